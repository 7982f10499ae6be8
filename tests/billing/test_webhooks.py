"""Stripe webhooks: forgeries refused, each event stored and processed once, any order of delivery safe."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from omniwise.app import create_app
from omniwise.billing.gateway import InMemoryStripeGateway
from omniwise.billing.models import BillingSubscription, EventStatus
from omniwise.config import Settings
from omniwise.runtime import Runtime, build_runtime
from omniwise.worker import Job
from tests.billing.conftest import billing_settings
from tests.billing.helpers import (
    Tenancy,
    deliver,
    event,
    event_row,
    process_events,
    queued_jobs,
    signature,
    stored_events,
    subscribe_through_checkout,
)

PROBLEM = "application/problem+json"


def _subscription(runtime: Runtime, stripe_id: str) -> BillingSubscription:
    with runtime.transaction() as session:
        row = session.scalars(
            select(BillingSubscription).where(BillingSubscription.stripe_subscription_id == stripe_id)
        ).one()
        session.expunge(row)
        return row


def test_forged_stale_and_unsigned_deliveries_are_refused(client: TestClient, runtime: Runtime) -> None:
    body = json.dumps(event("customer.subscription.updated", {"object": "subscription", "id": "sub_x"})).encode()
    attempts = {
        "another secret": {"Stripe-Signature": signature(body, secret="whsec_forger")},
        "stale": {"Stripe-Signature": signature(body, timestamp=int(time.time()) - 3600)},
        "missing": {},
        "garbled": {"Stripe-Signature": "t=abc,v1=zz"},
        "other scheme only": {"Stripe-Signature": signature(body).replace("v1=", "v0=")},
    }
    for label, headers in attempts.items():
        response = client.post("/webhooks/stripe", content=body, headers=headers)
        assert response.status_code == 400, label
        assert response.headers["content-type"] == PROBLEM
        assert "Stripe-Signature" in response.json()["detail"]
    # a signature of one body does not vouch for another
    tampered = body.replace(b"sub_x", b"sub_y")
    response = client.post("/webhooks/stripe", content=tampered, headers={"Stripe-Signature": signature(body)})
    assert response.status_code == 400
    assert stored_events(runtime) == 0


def test_signed_bodies_that_are_not_events_are_refused(client: TestClient, runtime: Runtime) -> None:
    for body in (b"not json", b"[1, 2]", b'"text"', b"\xff\xfe", b'{"id": "evt_1", "object": "event"}'):
        response = deliver(client, body)
        assert response.status_code == 400, body
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["detail"].startswith("body: not a Stripe event")
    assert stored_events(runtime) == 0


def test_without_a_webhook_secret_the_endpoint_says_what_to_set(settings: Settings) -> None:
    runtime = build_runtime(billing_settings(settings, stripe_webhook_secret=None))
    try:
        with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
            response = deliver(client, event("invoice.paid", {"object": "invoice", "id": "in_1"}))
        assert response.status_code == 503
        assert response.headers["content-type"] == PROBLEM
        assert "OMNIWISE_STRIPE_WEBHOOK_SECRET" in response.json()["detail"]
    finally:
        runtime.dispose()


def test_an_event_is_stored_once_and_has_one_effect(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    checkout = client.post(f"{tenancy.billing}/checkout", json={"plan": "messenger-monthly"}, headers=tenancy.auth)
    assert checkout.status_code == 201, checkout.text
    completed = event("checkout.session.completed", stripe_memory.complete_checkout(checkout.json()["id"]))

    first = deliver(client, completed)
    assert first.status_code == 200
    assert first.json() == {"received": True, "duplicate": False}
    again = deliver(client, completed)
    assert again.status_code == 200
    assert again.json() == {"received": True, "duplicate": True}
    assert stored_events(runtime) == 1
    assert len(queued_jobs(runtime, "billing.process_event")) == 1

    assert process_events(runtime) == 1
    row = event_row(runtime, completed["id"])
    assert row.status == EventStatus.PROCESSED
    assert row.tenant_id == tenancy.tenant_id
    assert row.outcome == "checkout completed; 1 subscription(s), 1 invoice(s) mirrored"
    billing = client.get(tenancy.billing, headers=tenancy.auth).json()
    assert billing["subscription"]["status"] == "active"
    assert billing["subscription"]["plan"] == "messenger-monthly"

    # delivered a third time, after processing: still one row, and no job to run
    assert deliver(client, completed).json()["duplicate"] is True
    assert process_events(runtime) == 0
    with runtime.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Job).where(Job.name == "billing.process_event")) == 1
        assert session.scalar(select(func.count()).select_from(BillingSubscription)) == 1


def test_late_old_events_do_not_bring_back_an_old_state(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    completed = subscribe_through_checkout(client, runtime, stripe_memory, tenancy.admin, tenancy.tenant_id)
    sub_id = completed["subscription"]
    created = stripe_memory.subscriptions[sub_id]["created"]
    active = dict(stripe_memory.subscriptions[sub_id])
    canceled = stripe_memory.set_subscription_status(sub_id, "canceled")

    # Stripe delivers the cancellation first and the older update last
    deliver(client, event("customer.subscription.deleted", canceled, created=created + 20))
    deliver(client, event("customer.subscription.updated", active, created=created + 10))
    assert process_events(runtime) == 2

    assert _subscription(runtime, sub_id).status == "canceled"


def test_without_stripe_to_ask_the_newest_event_wins(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    completed = subscribe_through_checkout(client, runtime, stripe_memory, tenancy.admin, tenancy.tenant_id)
    sub_id = completed["subscription"]
    base = dict(stripe_memory.subscriptions.pop(sub_id))  # Stripe no longer answers for it
    created = base["created"]

    deliver(client, event("customer.subscription.updated", {**base, "status": "past_due"}, created=created + 20))
    deliver(client, event("customer.subscription.updated", {**base, "status": "active"}, created=created + 10))
    process_events(runtime)
    assert _subscription(runtime, sub_id).status == "past_due"

    deliver(client, event("customer.subscription.deleted", {**base, "status": "canceled"}, created=created + 30))
    process_events(runtime)
    assert _subscription(runtime, sub_id).status == "canceled"


def test_events_of_unknown_customers_and_kinds_are_kept_and_ignored(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway
) -> None:
    stranger = event(
        "customer.subscription.created",
        {"object": "subscription", "id": "sub_stranger", "customer": "cus_stranger", "status": "active"},
    )
    charge = event("charge.succeeded", {"object": "charge", "id": "ch_1", "amount": 2900})
    assert deliver(client, stranger).status_code == 200
    assert deliver(client, charge).status_code == 200

    process_events(runtime)
    unknown = event_row(runtime, stranger["id"])
    assert unknown.status == EventStatus.IGNORED
    assert unknown.outcome == "customer unknown to the platform"
    ignored = event_row(runtime, charge["id"])
    assert ignored.status == EventStatus.IGNORED
    assert ignored.outcome == "not an event the platform mirrors"
    assert ignored.payload["data"]["object"] == {"object": "charge", "id": "ch_1"}


@pytest.fixture
def strict_client(runtime: Runtime) -> Iterator[TestClient]:
    """A client that raises the server's exceptions, so a 200 cannot hide one."""
    with TestClient(create_app(runtime), raise_server_exceptions=True) as test_client:
        yield test_client


def test_a_signed_event_whose_object_is_unreadable_is_kept_and_ignored(
    strict_client: TestClient, runtime: Runtime
) -> None:
    broken = event("invoice.paid", {"object": "invoice", "id": "in_broken", "customer": "cus_1"})
    response = deliver(strict_client, broken)
    assert response.status_code == 200
    row = event_row(runtime, broken["id"])
    assert row.status == EventStatus.IGNORED
    assert row.outcome == "invoice object unreadable: created: missing"
    assert queued_jobs(runtime, "billing.process_event") == []


def test_stored_invoice_events_keep_figures_not_the_hosted_link(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    completed = subscribe_through_checkout(client, runtime, stripe_memory, tenancy.admin, tenancy.tenant_id)
    invoice_id = stripe_memory.add_invoice(completed["subscription"], paid=True)
    paid = event("invoice.paid", stripe_memory.invoices[invoice_id])
    deliver(client, paid)
    kept = event_row(runtime, paid["id"]).payload["data"]["object"]
    assert kept["id"] == invoice_id
    assert kept["amount_paid"] == 2900
    assert kept["hosted_invoice_url"] is None
    assert "customer_email" not in kept
    assert "customer_name" not in kept
