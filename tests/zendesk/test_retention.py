"""The Zendesk mirror's retention: a disconnected account's data after its period, unread payloads after theirs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from omniwise.auth.actor import SYSTEM
from omniwise.kit.clock import utcnow
from omniwise.retention.models import RetentionRun, RetentionRunCategory
from omniwise.retention.schemas import HoldCreate, HoldScope
from omniwise.retention.service import create_hold, release_hold
from omniwise.retention.sweep import run_retention
from omniwise.runtime import Runtime
from omniwise.sandbox.server import SandboxServer
from omniwise.zendesk.models import (
    CUSTOMER_CONTACT,
    ZENDESK_DATA,
    ZendeskComment,
    ZendeskConnection,
    ZendeskOrganization,
    ZendeskTicket,
    ZendeskUser,
    ZendeskWebhookEvent,
)
from omniwise.zendesk.sweepers import EXPIRED_OUTCOME
from omniwise.zendesk.webhooks import TABLE
from tests.factories import auth
from tests.zendesk.helpers import Connected, connect, sync_now

MIRROR = ("zendesk.comments", "zendesk.organizations", "zendesk.tickets", "zendesk.webhook_events", "zendesk.people")
TABLES = {
    "zendesk.comments": ZendeskComment,
    "zendesk.organizations": ZendeskOrganization,
    "zendesk.tickets": ZendeskTicket,
    "zendesk.webhook_events": ZendeskWebhookEvent,
    "zendesk.people": ZendeskUser,
}


@dataclass
class Accounts:
    gone: Connected  # disconnected 31 days ago
    live: Connected  # still connected: nothing of it expires by disconnection
    unread_old: uuid.UUID  # a live account's payload, never processed, 8 days old
    unread_new: uuid.UUID  # the same, a day old

    @property
    def runtime(self) -> Runtime:
        return self.gone.runtime


def _event(runtime: Runtime, connected: Connected, *, age: timedelta, processed: bool = False) -> uuid.UUID:
    tenant_id, row_id = uuid.UUID(connected.tenant_id), uuid.uuid4()
    sealed = runtime.keyring.tenant_cipher(tenant_id).seal(
        '{"ticket_id": 1}', table=TABLE, column="payload", row_id=row_id
    )
    with runtime.transaction() as session:
        session.add(
            ZendeskWebhookEvent(
                id=row_id,
                tenant_id=tenant_id,
                connection_id=uuid.UUID(connected.connection_id),
                event_id=f"evt-{row_id}",
                event_type="trigger",
                received_at=utcnow() - age,
                payload_ct=None if processed else sealed,
                status="processed" if processed else "pending",
            )
        )
    return row_id


@pytest.fixture
def accounts(client: TestClient, runtime: Runtime, sandbox: SandboxServer) -> Accounts:
    gone, live = connect(client, runtime, sandbox), connect(client, runtime, sandbox)
    sync_now(gone)
    sync_now(live)
    _event(runtime, gone, age=timedelta(hours=1))
    unread_old = _event(runtime, live, age=timedelta(days=8))
    unread_new = _event(runtime, live, age=timedelta(days=1))
    _event(runtime, live, age=timedelta(days=8), processed=True)
    disconnected = client.post(f"{gone.base}/connections/{gone.connection_id}/disconnect", headers=auth(gone.admin))
    assert disconnected.status_code == 200, disconnected.text
    return Accounts(gone, live, unread_old, unread_new)


def _age_disconnection(runtime: Runtime, connected: Connected, days: int) -> None:
    with runtime.transaction() as session:
        row = session.get(ZendeskConnection, uuid.UUID(connected.connection_id))
        assert row is not None
        assert row.disconnected_at is not None
        row.disconnected_at -= timedelta(days=days)


def _sweep(runtime: Runtime, *, dry_run: bool = False) -> dict[str, RetentionRunCategory]:
    run_id = run_retention(
        runtime, dry_run=dry_run, started_by="cli", actor=SYSTEM, categories=[ZENDESK_DATA, CUSTOMER_CONTACT]
    )
    with runtime.transaction() as session:
        run = session.get(RetentionRun, run_id)
        assert run is not None
        assert run.status == "completed"
        rows = {row.sweeper or "": row for row in run.categories}
        session.expunge_all()
        return rows


def _held(runtime: Runtime, **fields: object) -> uuid.UUID:
    with runtime.transaction() as session:
        data = HoldCreate(reason="case 2026-41", ends_at=utcnow() + timedelta(days=30), **fields)  # type: ignore[arg-type]
        return create_hold(session, actor=SYSTEM, data=data).id


def _release(runtime: Runtime, hold_id: uuid.UUID) -> None:
    with runtime.transaction() as session:
        release_hold(session, actor=SYSTEM, hold_id=hold_id)


def _rows(runtime: Runtime, connected: Connected) -> dict[str, int]:
    """How many rows of each mirrored table the account has."""
    connection_id = uuid.UUID(connected.connection_id)
    with runtime.transaction() as session:
        return {
            name: int(
                session.scalar(select(func.count()).select_from(model).where(model.connection_id == connection_id))  # type: ignore[attr-defined]
                or 0
            )
            for name, model in TABLES.items()
        }


def _people(runtime: Runtime, connected: Connected) -> set[uuid.UUID]:
    connection_id = uuid.UUID(connected.connection_id)
    with runtime.transaction() as session:
        return set(session.scalars(select(ZendeskUser.subject_id).where(ZendeskUser.connection_id == connection_id)))


def _payload(runtime: Runtime, event_id: uuid.UUID) -> tuple[bytes | None, str, str | None]:
    with runtime.transaction() as session:
        row = session.get(ZendeskWebhookEvent, event_id)
        assert row is not None
        return row.payload_ct, row.status, row.outcome


def test_nothing_of_an_account_goes_before_its_period_but_unread_payloads_do(accounts: Accounts) -> None:
    runtime = accounts.runtime
    _age_disconnection(runtime, accounts.gone, days=29)  # the policy says 30
    before = _rows(runtime, accounts.gone)
    swept = _sweep(runtime)
    assert {name: swept[name].candidates for name in MIRROR} == dict.fromkeys(MIRROR, 0)
    assert _rows(runtime, accounts.gone) == before
    # the payload a week old, never processed, is dropped; the event's row stays to refuse a redelivery
    assert swept["zendesk.webhook_payloads"].deleted == 1
    assert _payload(runtime, accounts.unread_old) == (None, "expired", EXPIRED_OUTCOME)
    assert _payload(runtime, accounts.unread_new)[0] is not None
    assert _sweep(runtime)["zendesk.webhook_payloads"].candidates == 0


def test_a_disconnected_account_is_deleted_after_its_period_and_nothing_else(accounts: Accounts) -> None:
    runtime = accounts.runtime
    _age_disconnection(runtime, accounts.gone, days=31)
    gone, live = _rows(runtime, accounts.gone), _rows(runtime, accounts.live)
    people = _people(runtime, accounts.gone)
    assert all(gone.values()), gone

    dry = _sweep(runtime, dry_run=True)
    assert {name: dry[name].candidates for name in MIRROR} == gone
    assert _rows(runtime, accounts.gone) == gone
    assert all(runtime.keyring.has_subject_key(s) for s in people)

    real = _sweep(runtime)
    assert {name: real[name].deleted for name in MIRROR} == gone
    assert _rows(runtime, accounts.gone) == dict.fromkeys(MIRROR, 0)
    assert not any(runtime.keyring.has_subject_key(s) for s in people)  # crypto-shredded
    assert _rows(runtime, accounts.live) == live
    assert all(runtime.keyring.has_subject_key(s) for s in _people(runtime, accounts.live))
    # the connection's row stays (privacy requests filed through it point at it), without secrets
    with runtime.transaction() as session:
        connection = session.get(ZendeskConnection, uuid.UUID(accounts.gone.connection_id))
        assert connection is not None
        assert connection.credentials_ct is None

    again = _sweep(runtime)
    assert {name: again[name].candidates for name in MIRROR} == dict.fromkeys(MIRROR, 0)


def _thread(runtime: Runtime, connected: Connected) -> tuple[uuid.UUID, uuid.UUID]:
    """A ticket with comments by someone other than its requester: (the requester's subject, the ticket)."""
    connection_id = uuid.UUID(connected.connection_id)
    with runtime.transaction() as session:
        row = session.execute(
            select(ZendeskTicket.subject_id, ZendeskTicket.id)
            .join(ZendeskComment, ZendeskComment.ticket_id == ZendeskTicket.id)
            .where(ZendeskTicket.connection_id == connection_id, ZendeskComment.subject_id != ZendeskTicket.subject_id)
            .order_by(ZendeskTicket.zendesk_id)
            .limit(1)
        ).one()
        return row[0], row[1]


def _expected_kept(
    runtime: Runtime, connected: Connected, held: uuid.UUID
) -> tuple[set[uuid.UUID], set[uuid.UUID], set[uuid.UUID]]:
    """What a hold on one person keeps, worked out row by row: (tickets, comments, people)."""
    connection_id = uuid.UUID(connected.connection_id)
    with runtime.transaction() as session:
        tickets = session.execute(
            select(ZendeskTicket.id, ZendeskTicket.subject_id).where(ZendeskTicket.connection_id == connection_id)
        ).all()
        comments = session.execute(
            select(ZendeskComment.id, ZendeskComment.ticket_id, ZendeskComment.subject_id).where(
                ZendeskComment.connection_id == connection_id
            )
        ).all()
    threads = {t for t, requester in tickets if requester == held} | {t for _, t, author in comments if author == held}
    kept_comments = {c for c, t, author in comments if t in threads or author == held}
    people = {held} | {r for t, r in tickets if t in threads} | {a for _, t, a in comments if t in threads}
    return threads, kept_comments, people


def test_holds_keep_what_they_name_and_the_threads_a_held_person_is_part_of(accounts: Accounts) -> None:
    runtime = accounts.runtime
    _age_disconnection(runtime, accounts.gone, days=31)
    gone = _rows(runtime, accounts.gone)
    person, ticket = _thread(runtime, accounts.gone)
    threads, comments, people = _expected_kept(runtime, accounts.gone, person)
    assert ticket in threads
    assert len(people) > 1
    on_tenant = _held(runtime, scope=HoldScope.TENANT, tenant_id=uuid.UUID(accounts.gone.tenant_id))
    on_person = _held(runtime, scope=HoldScope.SUBJECT, subject_id=person)

    # the tenant's hold keeps all of it, and says so
    held = _sweep(runtime)
    assert {name: (held[name].candidates, held[name].skipped_by_hold) for name in MIRROR} == {
        name: (n, n) for name, n in gone.items()
    }
    assert on_tenant in {h.hold_id for h in held["zendesk.people"].holds}
    assert _rows(runtime, accounts.gone) == gone

    # without it, the person's hold keeps the threads they are part of, whole, and those in them
    _release(runtime, on_tenant)
    swept = _sweep(runtime)
    assert swept["zendesk.tickets"].skipped_by_hold == len(threads)
    assert swept["zendesk.comments"].skipped_by_hold == len(comments)
    assert swept["zendesk.people"].skipped_by_hold == len(people)
    connection_id = uuid.UUID(accounts.gone.connection_id)
    with runtime.transaction() as session:
        assert (
            set(session.scalars(select(ZendeskTicket.id).where(ZendeskTicket.connection_id == connection_id)))
            == threads
        )
        assert (
            set(session.scalars(select(ZendeskComment.id).where(ZendeskComment.connection_id == connection_id)))
            == comments
        )
    assert _people(runtime, accounts.gone) == people
    assert all(runtime.keyring.has_subject_key(s) for s in people)
    rerun = _sweep(runtime)
    assert sum(rerun[name].deleted for name in MIRROR) == 0

    _release(runtime, on_person)
    _sweep(runtime)
    assert _rows(runtime, accounts.gone) == dict.fromkeys(MIRROR, 0)
    assert not any(runtime.keyring.has_subject_key(s) for s in people)
