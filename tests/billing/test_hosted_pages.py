"""Subscribing on Stripe Checkout, managing payment methods in the Customer Portal, and the invoice records."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from omniwise.audit.models import AuditEvent
from omniwise.billing.gateway import InMemoryStripeGateway
from omniwise.runtime import Runtime
from tests.billing.helpers import Tenancy, deliver, event, process_events, subscribe_through_checkout
from tests.factories import auth


def test_checkout_then_payment_mirrors_the_subscription_and_its_invoice(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    response = client.post(f"{tenancy.billing}/checkout", json={"plan": "messenger-monthly"}, headers=tenancy.auth)
    assert response.status_code == 201, response.text
    page = response.json()
    assert page["url"] == f"https://stripe.invalid/checkout/{page['id']}"
    # a double click gets the same page back, not a second one
    again = client.post(f"{tenancy.billing}/checkout", json={"plan": "messenger-monthly"}, headers=tenancy.auth)
    assert again.json() == page
    assert len(stripe_memory.checkout_sessions) == 1
    assert len(stripe_memory.customers) == 1

    completed = stripe_memory.complete_checkout(page["id"])
    assert deliver(client, event("checkout.session.completed", completed)).status_code == 200
    process_events(runtime)

    billing = client.get(tenancy.billing, headers=tenancy.auth).json()
    assert billing["account_status"] == "active"
    assert billing["stripe_customer_id"] == completed["customer"]
    subscription = billing["subscription"]
    assert subscription["stripe_subscription_id"] == completed["subscription"]
    assert subscription["plan"] == "messenger-monthly"
    assert subscription["status"] == "active"
    assert subscription["current_period_end"] > subscription["current_period_start"]
    invoices = client.get(f"{tenancy.billing}/invoices", headers=tenancy.auth).json()
    assert len(invoices["items"]) == 1
    invoice = invoices["items"][0]
    assert (invoice["status"], invoice["amount_paid"], invoice["currency"]) == ("paid", 2900, "eur")
    assert invoice["number"] == "OMNI-0001"
    assert invoice["hosted_invoice_url"].startswith("https://stripe.invalid/invoice/")
    with runtime.transaction() as session:
        count = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.name == "billing:checkout:created")
        )
    assert count == 2


def test_checkout_refuses_unknown_plans_second_subscriptions_and_members(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    unknown = client.post(f"{tenancy.billing}/checkout", json={"plan": "platinum"}, headers=tenancy.auth)
    assert unknown.status_code == 422
    assert unknown.json()["detail"] == "plan: 'platinum' is not a plan of this platform (plans: messenger-monthly)"
    member = client.post(
        f"{tenancy.billing}/checkout", json={"plan": "messenger-monthly"}, headers=auth(tenancy.member)
    )
    assert member.status_code == 403

    subscribe_through_checkout(client, runtime, stripe_memory, tenancy.admin, tenancy.tenant_id)
    second = client.post(f"{tenancy.billing}/checkout", json={"plan": "messenger-monthly"}, headers=tenancy.auth)
    assert second.status_code == 409
    assert "customer portal" in second.json()["detail"]


def test_the_portal_needs_a_customer_and_then_hands_out_stripes_page(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    before = client.post(f"{tenancy.billing}/portal", headers=tenancy.auth)
    assert before.status_code == 409
    subscribe_through_checkout(client, runtime, stripe_memory, tenancy.admin, tenancy.tenant_id)
    response = client.post(f"{tenancy.billing}/portal", headers=tenancy.auth)
    assert response.status_code == 201
    assert response.json()["url"].startswith("https://stripe.invalid/portal/")
    (portal,) = stripe_memory.portal_sessions.values()
    assert portal["return_url"] == "http://127.0.0.1:8000/portal/subscription"


def test_invoices_are_listed_newest_first_a_page_at_a_time(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    completed = subscribe_through_checkout(client, runtime, stripe_memory, tenancy.admin, tenancy.tenant_id)
    for month in range(1, 5):
        invoice_id = stripe_memory.add_invoice(completed["subscription"], paid=True)
        stripe_memory.invoices[invoice_id]["created"] -= month * 30 * 86400  # earlier periods, billed late
        deliver(client, event("invoice.paid", stripe_memory.invoices[invoice_id]))
    process_events(runtime)

    seen: list[str] = []
    issued: list[str] = []
    cursor = None
    for _ in range(5):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{tenancy.billing}/invoices", params=params, headers=tenancy.auth).json()
        seen.extend(item["stripe_invoice_id"] for item in page["items"])
        issued.extend(item["issued_at"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(stripe_memory.invoices)
    assert len(seen) == 5
    assert issued == sorted(issued, reverse=True)
    assert len(set(issued)) == 5
    members = client.get(f"{tenancy.billing}/invoices", headers=auth(tenancy.member))
    assert members.status_code == 403
