"""The portal's subscription, the business's own data (billing details, sharing, promotions, closing) and usage."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from omniwise.app import create_app
from omniwise.auth.roles import Role
from omniwise.billing.gateway import InMemoryStripeGateway, install_gateway
from omniwise.config import Settings
from omniwise.kit.clock import utcnow
from omniwise.runtime import Runtime, build_runtime
from omniwise.usage.service import record_usage, roll_up_day
from tests.billing.helpers import WEBHOOK_SECRET, subscribe_through_checkout
from tests.billing.stripe_side import MEMORY_PRICE, PLAN
from tests.factories import api_token, auth, create_contact, create_tenant, person
from tests.web.helpers import post_form, sign_in


@dataclass
class Business:
    client: TestClient
    runtime: Runtime
    tenant: uuid.UUID
    admin_token: str

    def api(self, path: str) -> dict[str, object]:
        response = self.client.get(f"/api/v1/tenants/{self.tenant}{path}", headers=auth(self.admin_token))
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body


def _business(client: TestClient, runtime: Runtime) -> Business:
    tenant = create_tenant(client, api_token(runtime, Role.VENDOR_ADMIN), name="Acme Ltd")
    person(runtime, Role.TENANT_ADMIN, "admin@acme.example", tenant_id=tenant)
    person(runtime, Role.TENANT_MEMBER, "member@acme.example", tenant_id=tenant)
    return Business(client, runtime, tenant, api_token(runtime, Role.TENANT_ADMIN, tenant))


@pytest.fixture
def business(client: TestClient, runtime: Runtime) -> Business:
    return _business(client, runtime)


@pytest.fixture
def billed(settings: Settings) -> Iterator[tuple[Business, InMemoryStripeGateway]]:
    """A business on a platform whose billing runs on the in-memory Stripe."""
    configured = settings.model_copy(
        update={
            "stripe_gateway": "memory",
            "stripe_webhook_secret": SecretStr(WEBHOOK_SECRET),
            "stripe_prices": {PLAN: MEMORY_PRICE},
        }
    )
    runtime = build_runtime(configured)
    gateway = InMemoryStripeGateway(prices={MEMORY_PRICE: 2900})
    install_gateway(runtime, gateway)
    try:
        with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
            yield _business(client, runtime), gateway
    finally:
        runtime.dispose()


def test_the_subscription_page_says_plainly_when_billing_is_not_set_up(business: Business) -> None:
    client = business.client
    sign_in(client, "admin@acme.example")
    page = client.get("/portal/subscription")
    assert page.status_code == 200
    assert "Billing is not set up on this platform yet" in page.text
    assert "OMNIWISE_STRIPE_API_KEY" in page.text
    assert "Subscribe with Stripe Checkout" not in page.text
    refused = post_form(client, "/portal/subscription", "/portal/subscription/checkout", {"plan": PLAN})
    assert refused.status_code == 409
    assert "billing is not configured" in refused.text


def test_checkout_and_the_customer_portal_are_reached_by_a_link(
    billed: tuple[Business, InMemoryStripeGateway],
) -> None:
    business, gateway = billed
    client = business.client
    sign_in(client, "admin@acme.example")
    page = client.get("/portal/subscription")
    assert "Subscribe with Stripe Checkout" in page.text
    assert "Manage payment methods" not in page.text  # no Stripe customer yet
    unknown = post_form(client, "/portal/subscription", "/portal/subscription/checkout", {"plan": "gold"})
    assert unknown.status_code == 422
    assert "is not a plan of this platform" in unknown.text

    handoff = post_form(client, "/portal/subscription", "/portal/subscription/checkout", {"plan": PLAN})
    assert handoff.status_code == 200
    link = re.search(r'id="stripe-link" href="([^"]+)"', handoff.text)
    assert link is not None
    assert link.group(1).startswith("https://stripe.invalid/")

    subscribe_through_checkout(client, business.runtime, gateway, business.admin_token, business.tenant)
    subscribed = client.get("/portal/subscription", params={"checkout": "done"}).text
    assert "Stripe confirms the subscription in a moment" in subscribed
    assert "Subscribe with Stripe Checkout" not in subscribed
    assert re.search(r'<span class="tag ok">active</span>', subscribed)
    portal = post_form(client, "/portal/subscription", "/portal/subscription/manage", {})
    assert portal.status_code == 200
    assert "Continue to the Customer Portal" in portal.text

    client.cookies.clear()
    sign_in(client, "member@acme.example")
    assert 'href="/portal/subscription"' not in client.get("/portal").text
    assert client.get("/portal/subscription").status_code == 403
    assert post_form(client, "/portal", "/portal/subscription/manage", {}).status_code == 403


def test_billing_details_are_seen_and_corrected_through_the_billing_service(business: Business) -> None:
    client = business.client
    sign_in(client, "admin@acme.example")
    assert "No billing details are recorded." in client.get("/portal/privacy").text
    form = {
        "name": "Ada Lovelace",
        "email": "billing@acme.example",
        "line1": "1 High Street",
        "line2": "",
        "city": "Dover",
        "postal_code": "CT16 1AA",
        "state": "",
        "country": "gbr",
    }
    wrong = post_form(client, "/portal/billing/details", "/portal/billing/details", form)
    assert wrong.status_code == 422
    assert 'id="error-country"' in wrong.text
    saved = post_form(client, "/portal/billing/details", "/portal/billing/details", {**form, "country": "gb"})
    assert saved.status_code == 303
    details = business.api("/billing")["details"]
    assert details == {
        "name": "Ada Lovelace",
        "email": "billing@acme.example",
        "address": {
            "line1": "1 High Street",
            "line2": None,
            "city": "Dover",
            "postal_code": "CT16 1AA",
            "state": None,
            "country": "GB",
        },
    }
    assert "billing@acme.example" in client.get("/portal/privacy").text

    emptied = {**form, "country": "GB"} | dict.fromkeys(["line1", "city", "postal_code", "country"], "")
    assert post_form(client, "/portal/billing/details", "/portal/billing/details", emptied).status_code == 303
    after = business.api("/billing")["details"]
    assert isinstance(after, dict)
    assert after["address"] is None  # an emptied address is removed
    assert after["name"] == "Ada Lovelace"

    client.cookies.clear()
    sign_in(client, "member@acme.example")
    assert "Your business's admins see and correct the billing details." in client.get("/portal/privacy").text
    assert client.get("/portal/billing/details").status_code == 403


def test_partner_sharing_is_the_admins_choice(business: Business) -> None:
    client = business.client
    sign_in(client, "member@acme.example")
    page = client.get("/portal/privacy")
    assert "You do not share with this partner." in page.text
    assert "Only your business's admins can opt in or withdraw." in page.text
    refused = post_form(client, "/portal/privacy", "/portal/privacy/sharing/zendesk_marketplace", {"choice": "opt_in"})
    assert refused.status_code == 403
    client.cookies.clear()

    sign_in(client, "admin@acme.example")
    path = "/portal/privacy/sharing/zendesk_marketplace"
    assert post_form(client, "/portal/privacy", path, {"choice": "opt_in"}).status_code == 303
    assert "You share with this partner since" in client.get("/portal/privacy").text
    [choice] = business.api("/sharing")["items"]  # type: ignore[misc]
    assert choice["opted_in"] is True
    assert post_form(client, "/portal/privacy", path, {"choice": "withdraw"}).status_code == 303
    [choice] = business.api("/sharing")["items"]  # type: ignore[misc]
    assert choice["opted_in"] is False
    not_a_partner = post_form(client, "/portal/privacy", "/portal/privacy/sharing/stripe", {"choice": "opt_in"})
    assert not_a_partner.status_code == 404


def test_promotions_are_stopped_for_a_contact_on_the_suppression_list(business: Business) -> None:
    client = business.client
    contact = create_contact(client, business.admin_token, business.tenant, email="grace@acme.example")
    sign_in(client, "member@acme.example")
    listed = client.get("/portal/privacy/promotions")
    assert "grace@acme.example" in listed.text
    assert "Stop promotions" not in listed.text
    path = f"/portal/privacy/promotions/{contact}"
    assert post_form(client, "/portal/privacy/promotions", path, {}).status_code == 403
    client.cookies.clear()

    sign_in(client, "admin@acme.example")
    assert post_form(client, "/portal/privacy/promotions", path, {}).status_code == 303
    page = client.get("/portal/privacy/promotions").text
    assert "Grace Hopper will get no more promotional messages." in page
    assert '<span class="tag">Stopped</span>' in page
    [item] = business.api("/promotional-opt-outs")["items"]  # type: ignore[misc]
    assert item == {
        "contact_id": str(contact),
        "name": "Grace Hopper",
        "email": "grace@acme.example",
        "opted_out": True,
    }
    assert post_form(client, "/portal/privacy/promotions", path, {}).status_code == 303  # twice changes nothing
    other = create_tenant(client, api_token(business.runtime, Role.VENDOR_ADMIN), name="Globex")
    theirs = create_contact(client, api_token(business.runtime, Role.VENDOR_ADMIN), other, email="x@globex.example")
    hidden = post_form(client, "/portal/privacy/promotions", f"/portal/privacy/promotions/{theirs}", {})
    assert hidden.status_code == 404


def test_closing_the_account_explains_the_policy_and_closes_billing_too(business: Business) -> None:
    client = business.client
    sign_in(client, "member@acme.example")
    assert client.get("/portal/close").status_code == 403
    client.cookies.clear()

    sign_in(client, "admin@acme.example")
    page = client.get("/portal/close")
    assert page.status_code == 200
    policy = business.runtime.policy
    for category in policy.categories:
        if category.retention is not None:
            assert category.name in page.text
    assert "Kept for 30 days after the business&#39;s account is closed, then deleted." in page.text
    assert "kept for 10 years from the end of the financial year" in page.text

    wrong = post_form(client, "/portal/close", "/portal/close", {"confirm": "Acme"})
    assert wrong.status_code == 422
    assert "type the business&#39;s name exactly as shown" in wrong.text
    assert business.api("")["status"] == "active"
    closed = post_form(client, "/portal/close", "/portal/close", {"confirm": "acme ltd"})
    assert closed.status_code == 303
    assert business.api("")["status"] == "closed"
    assert business.api("/billing")["account_status"] == "closed"
    assert "This account was closed on" in client.get("/portal/privacy").text
    assert post_form(client, "/portal/privacy", "/portal/close", {"confirm": "Acme Ltd"}).status_code == 409


def test_usage_is_drawn_per_day_for_admins(business: Business) -> None:
    runtime = business.runtime
    yesterday = utcnow() - timedelta(days=1)
    with runtime.transaction() as session:
        for outcome in ("2xx", "2xx", "4xx"):
            record_usage(
                session,
                feature="GET /api/v1/tenants/{tenant_id}/contacts",
                outcome=outcome,
                tenant_id=business.tenant,
                actor_type="user",
                actor_id="someone",
                at=yesterday,
            )
        roll_up_day(session, day=yesterday.date())
    client = business.client
    sign_in(business.client, "admin@acme.example")
    page = client.get("/portal/usage")
    assert page.status_code == 200
    assert "<svg" in page.text
    assert "The figures as a table" in page.text
    assert re.search(
        r"<code class=\"wrap\">GET /api/v1/tenants/\{tenant_id\}/contacts</code></th>"
        r"<td class=\"number\">3</td><td class=\"number\">1</td>",
        page.text,
    )
    for params, message in (
        ({"since": "yesterday"}, "a date, such as 2025-01-31"),
        ({"since": "2025-02-01", "until": "2025-01-01"}, "must not be after until"),
    ):
        refused = client.get("/portal/usage", params=params)
        assert refused.status_code == 422
        assert re.search(rf'id="error-since"><span class="visually-hidden">Problem: </span>{message}<', refused.text)
    client.cookies.clear()
    sign_in(client, "member@acme.example")
    assert client.get("/portal/usage").status_code == 403
