"""Billing in privacy requests: Stripe told of a correction, details cleared at Stripe on deletion, invoices kept."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import select

from omniwise.billing.gateway import InMemoryStripeGateway
from omniwise.billing.models import BillingContact, BillingInvoice
from omniwise.disclosures.models import Disclosure
from omniwise.privacy.contract import RequestType, get_contribution
from omniwise.runtime import Runtime
from tests.billing.helpers import Tenancy, run_queued, subscribe_through_checkout
from tests.privacy.seed import step

DETAILS = {"name": "Ada Lovelace", "email": "ada@example.org", "address": {"line1": "1 High St", "country": "GB"}}


def _customer(stripe: InMemoryStripeGateway) -> dict[str, object]:
    [customer] = stripe.customers.values()
    return customer


def test_correction_reaches_stripe_and_deletion_keeps_the_invoices(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    assert client.patch(tenancy.billing, json=DETAILS, headers=tenancy.auth).status_code == 200
    subscribe_through_checkout(client, runtime, stripe_memory, tenancy.admin, tenancy.tenant_id)
    run_queued(runtime, "billing.push_details")
    billing = get_contribution("billing")

    changes = {"name": "Ada King", "address_line1": "2 Low Road", "address_country": "gb"}
    with step(runtime, RequestType.CORRECTION, changes=changes) as ctx:
        holdings = billing.locate(ctx, email="ADA@example.org", tenant_id=tenancy.tenant_id)
        assert [h.key.split(":")[0] for h in holdings] == ["contact", "invoices"]
        outcomes = billing.correct(ctx, holdings)
    assert [(o.action, o.where, o.count) for o in outcomes] == [
        ("corrected", "platform database", 1),
        ("corrected", "Stripe", 1),
    ]
    customer = _customer(stripe_memory)
    assert customer["name"] == "Ada King"
    address = customer["address"]
    assert isinstance(address, dict)
    assert (address["line1"], address["country"]) == ("2 Low Road", "GB")
    with runtime.transaction() as session:
        recipients = [d.recipient_id for d in session.scalars(select(Disclosure))]
    assert recipients.count("stripe") == 2  # the first details, then the correction (Article 19)

    for _ in range(2):  # the second run finds the contact gone and the invoices still kept
        with step(runtime, RequestType.DELETION) as ctx:
            outcomes = billing.erase(ctx, holdings)
        [kept] = [o for o in outcomes if o.action == "kept"]
        assert kept.count == 1
        assert kept.reason is not None
        assert "Tax Procedure Law" in kept.reason
        assert kept.until is not None
        assert kept.until > date(2035, 1, 1)
    customer = _customer(stripe_memory)
    assert (customer["name"], customer["email"], customer["address"]) == (None, None, None)
    assert not customer.get("deleted")  # the business is still billed; only the person's details went
    with runtime.transaction() as session:
        assert session.scalars(select(BillingContact)).all() == []
        [invoice] = session.scalars(select(BillingInvoice)).all()
    assert invoice.restricted_at is not None
    assert invoice.restricted_reason is not None
    assert invoice.delete_after is not None
    assert invoice.delete_after.date() == kept.until
    assert invoice.hosted_invoice_url is None
