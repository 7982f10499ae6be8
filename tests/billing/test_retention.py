"""Billing details a year after the last subscription ended, invoices after their tax period: the retention sweep."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from omniwise.audit.models import AuditEvent
from omniwise.auth.actor import SYSTEM
from omniwise.billing.gateway import InMemoryStripeGateway
from omniwise.billing.models import BillingAccount, BillingContact, BillingInvoice, BillingSubscription
from omniwise.billing.retention import CATEGORY, years_ended_before
from omniwise.billing.service import hosted
from omniwise.kit.clock import utcnow
from omniwise.retention.models import RetentionRun, RetentionRunCategory
from omniwise.retention.schemas import HoldCreate, HoldScope
from omniwise.retention.service import create_hold, release_hold
from omniwise.retention.sweep import run_retention
from omniwise.runtime import Runtime
from omniwise.worker import JobStatus
from tests.billing.helpers import (
    Tenancy,
    deliver,
    event,
    process_events,
    queued_jobs,
    run_queued,
    subscribe_through_checkout,
)

DETAILS = {"name": "Ada Lovelace", "email": "ada@example.org", "address": {"line1": "1 High St", "country": "GB"}}
MAIN = ("billing.contacts", "billing.customers", "billing.subscriptions")


@pytest.fixture(autouse=True)
def _checkout_pages_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two checkouts in one test are a year apart in the story: not the same page by idempotency."""
    monkeypatch.setattr(hosted, "_window", itertools.count().__next__)


def _sweep(runtime: Runtime, *, dry_run: bool = False, now: datetime | None = None) -> dict[str, RetentionRunCategory]:
    run_id = run_retention(runtime, dry_run=dry_run, started_by="cli", actor=SYSTEM, now=now, categories=[CATEGORY])
    with runtime.transaction() as session:
        run = session.get(RetentionRun, run_id)
        assert run is not None
        assert run.status == "completed"
        rows = {row.sweeper or "": row for row in run.categories}
        session.expunge_all()
        return rows


def _account(runtime: Runtime, tenant_id: uuid.UUID) -> BillingAccount:
    with runtime.transaction() as session:
        row = session.scalars(select(BillingAccount).where(BillingAccount.tenant_id == tenant_id)).one()
        session.expunge(row)
        return row


def _count(runtime: Runtime, model: type, *where: object) -> int:
    with runtime.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


def _subscribe_then_end(
    client: TestClient, runtime: Runtime, memory: InMemoryStripeGateway, tenancy: Tenancy
) -> tuple[str, uuid.UUID]:
    """Billing details, a subscription that Stripe then cancels; (the customer id, the contact's subject)."""
    assert client.patch(tenancy.billing, json=DETAILS, headers=tenancy.auth).status_code == 200
    completed = subscribe_through_checkout(client, runtime, memory, tenancy.admin, tenancy.tenant_id)
    run_queued(runtime, "billing.push_details")
    assert _account(runtime, tenancy.tenant_id).subscription_ended_at is None  # live: no clock
    ended = memory.set_subscription_status(completed["subscription"], "canceled")
    assert deliver(client, event("customer.subscription.deleted", ended)).status_code == 200
    process_events(runtime)
    with runtime.transaction() as session:
        subject = session.scalars(
            select(BillingContact.subject_id).where(BillingContact.tenant_id == tenancy.tenant_id)
        )
        return str(completed["customer"]), subject.one()


def _age(runtime: Runtime, tenant_id: uuid.UUID, days: int) -> None:
    """Move the end of the tenant's subscriptions `days` into the past."""
    back = timedelta(days=days)
    with runtime.transaction() as session:
        account = session.scalars(select(BillingAccount).where(BillingAccount.tenant_id == tenant_id)).one()
        assert account.subscription_ended_at is not None
        account.subscription_ended_at -= back
        for row in session.scalars(select(BillingSubscription).where(BillingSubscription.tenant_id == tenant_id)):
            assert row.ended_at is not None
            row.ended_at -= back
            row.canceled_at = row.ended_at


def test_billing_details_go_a_year_after_the_last_subscription_ended(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    customer, subject = _subscribe_then_end(client, runtime, stripe_memory, tenancy)
    account = _account(runtime, tenancy.tenant_id)
    assert account.subscription_ended_at is not None
    assert abs((account.subscription_ended_at - utcnow()).total_seconds()) < 120  # the clock started

    # within the year nothing is due
    assert {name: row.candidates for name, row in _sweep(runtime).items() if name in MAIN} == dict.fromkeys(MAIN, 0)

    _age(runtime, tenancy.tenant_id, days=370)
    dry = _sweep(runtime, dry_run=True)
    assert {name: dry[name].candidates for name in MAIN} == dict.fromkeys(MAIN, 1)
    assert runtime.keyring.has_subject_key(subject)
    assert _account(runtime, tenancy.tenant_id).stripe_customer_id == customer

    real = _sweep(runtime)
    assert [real[name].deleted for name in MAIN] == [1, 1, 1]
    # the contact: key destroyed, row gone
    assert not runtime.keyring.has_subject_key(subject)
    assert _count(runtime, BillingContact, BillingContact.tenant_id == tenancy.tenant_id) == 0
    # the Stripe customer that held the same details: unlinked at once, deleted at Stripe by a job
    account = _account(runtime, tenancy.tenant_id)
    assert (account.stripe_customer_id, account.customer_deleted_at is not None) == (None, True)
    assert customer in stripe_memory.customers
    assert run_queued(runtime, "billing.delete_customer") == [JobStatus.SUCCEEDED]
    assert stripe_memory.customers[customer].get("deleted") is True
    with runtime.transaction() as session:
        deleted = session.scalars(select(AuditEvent).where(AuditEvent.name == "billing:customer:deleted")).one()
        assert (deleted.tenant_id, deleted.object_id) == (tenancy.tenant_id, customer)
    # the ended subscription's mirror; the invoice is a tax record and stays
    assert _count(runtime, BillingSubscription, BillingSubscription.tenant_id == tenancy.tenant_id) == 0
    assert _count(runtime, BillingInvoice, BillingInvoice.tenant_id == tenancy.tenant_id) == 1

    # a second run finds nothing to do, and queues nothing
    again = _sweep(runtime)
    assert {name: again[name].candidates for name in MAIN} == dict.fromkeys(MAIN, 0)
    assert queued_jobs(runtime, "billing.delete_customer") == []

    # subscribing again makes a new customer: the deleted one is never reused
    subscribe_through_checkout(client, runtime, stripe_memory, tenancy.admin, tenancy.tenant_id)
    account = _account(runtime, tenancy.tenant_id)
    assert account.stripe_customer_id not in (None, customer)
    assert (account.customer_deleted_at, account.subscription_ended_at) == (None, None)


def test_a_hold_on_the_tenant_keeps_its_billing_details(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    customer, subject = _subscribe_then_end(client, runtime, stripe_memory, tenancy)
    _age(runtime, tenancy.tenant_id, days=370)
    with runtime.transaction() as session:
        data = HoldCreate(
            scope=HoldScope.TENANT,
            tenant_id=tenancy.tenant_id,
            reason="tax audit",
            ends_at=utcnow() + timedelta(days=9),
        )
        hold = create_hold(session, actor=SYSTEM, data=data).id

    held = _sweep(runtime)
    assert {name: (held[name].candidates, held[name].skipped_by_hold, held[name].deleted) for name in MAIN} == (
        dict.fromkeys(MAIN, (1, 1, 0))
    )
    assert {(h.hold_id, h.rows) for h in held["billing.contacts"].holds} == {(hold, 1)}
    assert runtime.keyring.has_subject_key(subject)
    assert _account(runtime, tenancy.tenant_id).stripe_customer_id == customer
    assert queued_jobs(runtime, "billing.delete_customer") == []

    with runtime.transaction() as session:
        release_hold(session, actor=SYSTEM, hold_id=hold)
    released = _sweep(runtime)
    assert [released[name].deleted for name in MAIN] == [1, 1, 1]
    assert not runtime.keyring.has_subject_key(subject)


def test_a_new_subscription_stops_the_clock(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    _, subject = _subscribe_then_end(client, runtime, stripe_memory, tenancy)
    _age(runtime, tenancy.tenant_id, days=370)
    subscribe_through_checkout(client, runtime, stripe_memory, tenancy.admin, tenancy.tenant_id)
    assert _account(runtime, tenancy.tenant_id).subscription_ended_at is None
    swept = _sweep(runtime)
    # the contact and the customer belong to the live subscription now; only the old one's row goes
    assert [swept[name].deleted for name in MAIN] == [0, 0, 1]
    assert runtime.keyring.has_subject_key(subject)


def test_invoices_go_ten_years_after_the_end_of_their_financial_year(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    subscribe_through_checkout(client, runtime, stripe_memory, tenancy.admin, tenancy.tenant_id)
    (sub_id,) = [s["id"] for s in stripe_memory.subscriptions.values()]
    for _ in range(2):
        invoice = stripe_memory.invoices[stripe_memory.add_invoice(sub_id, paid=True)]
        deliver(client, event("invoice.paid", invoice))
    process_events(runtime)
    with runtime.transaction() as session:
        rows = list(session.scalars(select(BillingInvoice).order_by(BillingInvoice.issued_at, BillingInvoice.id)))
        assert len(rows) == 3
        # an open account's invoices: 2015's year ended on 1 January 2016, 2016's on 1 January 2017
        for row, issued in zip(
            rows, (datetime(2015, 3, 1), datetime(2016, 12, 31, 23), datetime(2017, 1, 1)), strict=True
        ):
            row.issued_at = issued.replace(tzinfo=UTC)
    moment = datetime(2027, 1, 1, 0, 0, 1, tzinfo=UTC)
    dry = _sweep(runtime, dry_run=True, now=moment)
    assert dry["billing.invoices"].candidates == 2
    real = _sweep(runtime, now=moment)
    assert real["billing.invoices"].deleted == 2
    with runtime.transaction() as session:
        left = session.scalars(select(BillingInvoice.issued_at)).all()
    assert left == [datetime(2017, 1, 1, tzinfo=UTC)]
    assert _sweep(runtime, now=moment)["billing.invoices"].candidates == 0


def test_a_financial_year_ends_at_the_first_instant_of_the_next() -> None:
    # periods count from 1 January: ten years back from these cutoffs
    assert years_ended_before(datetime(2016, 1, 1, 0, 0, 1, tzinfo=UTC)) == datetime(2016, 1, 1, tzinfo=UTC)
    assert years_ended_before(datetime(2016, 1, 1, tzinfo=UTC)) == datetime(2015, 1, 1, tzinfo=UTC)
    assert years_ended_before(datetime(2016, 7, 4, tzinfo=UTC)) == datetime(2016, 1, 1, tzinfo=UTC)
