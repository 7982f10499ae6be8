"""The whole round trip as a user meets it: the platform served over HTTP, localstripe sending signed webhooks.

The platform runs in a real HTTP server with its in-process job worker; localstripe runs
as its own process and delivers its signed events to `POST /webhooks/stripe`. A tenant
admin corrects billing details (a customer appears at Stripe with them), pays for the plan
(localstripe has no Checkout: the test does what Checkout does, with Stripe's test card),
sees the subscription and its invoice mirrored, then closes the account.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn
from pydantic import SecretStr
from sqlalchemy import select

from omniwise.app import create_app
from omniwise.audit import verify_chain
from omniwise.auth.roles import Role
from omniwise.billing.models import EventStatus, StripeEvent
from omniwise.config import Settings
from omniwise.runtime import Runtime, build_runtime
from omniwise.worker.process import BackgroundJobs
from tests.billing.conftest import billing_settings
from tests.billing.helpers import WEBHOOK_SECRET, signature
from tests.billing.stripe_side import LOCALSTRIPE_KEY, LOCALSTRIPE_PLAN, PLAN, PLAN_AMOUNT, LocalstripeSide
from tests.cli.helpers import free_port
from tests.factories import api_token, auth

T = TypeVar("T")
WAIT_SECONDS = 20.0


@dataclass
class Served:
    runtime: Runtime
    http: httpx.Client


def _wait_for(what: str, probe: Callable[[], T | None]) -> T:
    """Poll until `probe` answers something truthy; bounded."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what} after {WAIT_SECONDS:.0f}s")
        time.sleep(0.1)


@pytest.fixture
def served(settings: Settings, localstripe_side: LocalstripeSide) -> Iterator[Served]:
    runtime = build_runtime(
        billing_settings(
            settings,
            stripe_gateway="stripe",
            stripe_api_key=SecretStr(LOCALSTRIPE_KEY),
            stripe_api_base=localstripe_side.base,
            stripe_prices={PLAN: LOCALSTRIPE_PLAN},
        )
    )
    jobs = BackgroundJobs(runtime, consume=True, reconcile=False)
    jobs.start()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning", ws="none")
    )
    thread = threading.Thread(target=server.run, name="omniwise-test-server", daemon=True)
    thread.start()
    try:
        _wait_for("the HTTP server", lambda: server.started)
        localstripe_side.register_webhook(f"http://127.0.0.1:{port}/webhooks/stripe", WEBHOOK_SECRET)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            yield Served(runtime, http)
    finally:
        server.should_exit = True
        thread.join(10)
        jobs.stop()
        runtime.dispose()


def _json(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_subscription_round_trip_against_localstripe(served: Served, localstripe_side: LocalstripeSide) -> None:
    http, runtime = served.http, served.runtime
    vendor = api_token(runtime, Role.VENDOR_ADMIN)
    tenant = uuid.UUID(
        _json(
            http.post(
                "/api/v1/tenants",
                json={"name": "Acme Ltd", "address": "1 High Street, Dover", "industry": "retail", "region": "eu"},
                headers=auth(vendor),
            ),
            201,
        )["id"]
    )
    admin = auth(api_token(runtime, Role.TENANT_ADMIN, tenant))
    billing = f"/api/v1/tenants/{tenant}/billing"

    # billing details corrected: a job creates the customer at Stripe and gives it the details
    details = {"name": "Ada Lovelace", "email": "ada@example.org", "address": {"line1": "1 High St", "country": "GB"}}
    _json(http.patch(billing, json=details, headers=admin))
    synced = _wait_for("the details to reach Stripe", lambda: _json(http.get(billing, headers=admin))["details_synced"])
    assert synced is True
    customer = _json(http.get(billing, headers=admin))["stripe_customer_id"]
    assert localstripe_side.customer_details(customer)["email"] == "ada@example.org"

    # the tenant pays for the plan; localstripe's signed events bring the subscription and invoice in
    subscription_id = localstripe_side.subscribe(customer, tenant)
    subscription = _wait_for(
        "the subscription to be mirrored",
        lambda: (
            (_json(http.get(billing, headers=admin))["subscription"] or {}).get("status") == "active"
            and _json(http.get(billing, headers=admin))["subscription"]
        ),
    )
    assert subscription["stripe_subscription_id"] == subscription_id
    assert subscription["plan"] == PLAN
    invoices = _wait_for(
        "the invoice to be mirrored", lambda: _json(http.get(f"{billing}/invoices", headers=admin))["items"]
    )
    assert [(i["status"], i["amount_paid"], i["currency"]) for i in invoices] == [("paid", PLAN_AMOUNT, "eur")]
    assert _json(http.get(f"{billing}/entitlements", headers=admin))["features"]["messenger"] is True

    # a forged delivery is refused
    forged = b'{"id": "evt_forged", "object": "event", "type": "customer.subscription.deleted"}'
    refused = http.post(
        "/webhooks/stripe", content=forged, headers={"Stripe-Signature": signature(forged, secret="whsec_forger")}
    )
    assert refused.status_code == 400

    # closing: canceled and deleted at Stripe, invoice kept restricted; the late events change nothing
    report = _json(http.post(f"{billing}/close", headers=admin))
    assert report["subscriptions_canceled"] == 1
    assert report["customer_deleted"] is True
    assert report["invoices_restricted"] == 1
    assert localstripe_side.customers_of(tenant) == []
    canceled = localstripe_side.gateway.get_subscription(subscription_id)
    assert canceled is not None
    assert canceled.status == "canceled"

    def customer_deleted_event() -> StripeEvent | None:
        with runtime.transaction() as session:
            return session.scalars(
                select(StripeEvent).where(
                    StripeEvent.type == "customer.deleted",
                    StripeEvent.object_id == customer,
                    StripeEvent.status != EventStatus.RECEIVED,
                )
            ).one_or_none()

    deleted = _wait_for("localstripe's customer.deleted event", customer_deleted_event)
    assert deleted.outcome == "customer deleted"
    assert _json(http.get(f"{billing}/invoices", headers=admin))["items"] == []
    officer = auth(api_token(runtime, Role.PRIVACY_OFFICER))
    kept = _json(http.get(f"{billing}/restricted-invoices", params={"reason": "tax_audit"}, headers=officer))
    assert [i["stripe_invoice_id"] for i in kept["items"]] == [invoices[0]["stripe_invoice_id"]]

    _wait_for("every event of this tenant to be processed", lambda: _all_processed(runtime, tenant))
    with runtime.transaction() as session:
        assert verify_chain(session, runtime.anchor_sink).ok


def _all_processed(runtime: Runtime, tenant: uuid.UUID) -> bool:
    with runtime.transaction() as session:
        statuses = session.scalars(select(StripeEvent.status).where(StripeEvent.tenant_id == tenant)).all()
        pending = session.scalars(select(StripeEvent.id).where(StripeEvent.status == EventStatus.RECEIVED)).all()
    return bool(statuses) and not pending
