"""Syncing a Zendesk account in small resumable steps: organisations, then users, then tickets with comments.

Each step fetches one page (or one batch of ticket comments) and stores it in the same
transaction as the stream's cursor, so a sync stopped anywhere resumes at the step it
had not finished, and a step run twice stores nothing twice. Jobs run one step each and
queue the next; the command line runs the same steps in the foreground.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.errors import Conflict
from omniwise.keys import KeyRing
from omniwise.kit.clock import utcnow
from omniwise.policy.binding import policy_for
from omniwise.policy.enforcement import require_purpose
from omniwise.policy.purposes import Purpose
from omniwise.tenants.models import Tenant
from omniwise.tenants.service import require
from omniwise.worker import enqueue
from omniwise.zendesk import repository
from omniwise.zendesk.client import ZendeskApi
from omniwise.zendesk.connections import get_connection, to_read
from omniwise.zendesk.errors import RateLimitDeferred, ZendeskNotFound
from omniwise.zendesk.models import CUSTOMER_CONTACT, ZENDESK_DATA, ZendeskConnection, ZendeskSyncCursor, ZendeskSyncRun
from omniwise.zendesk.records import Mirror
from omniwise.zendesk.schemas import ConnectionRead, StreamRead, SyncRunRead, SyncStatus

STREAMS = ("organizations", "users", "tickets")
EXPORT_PAGE_SIZE = 1000
ORGANIZATION_PAGE_SIZE = 100
COMMENT_BATCH = 25
# a run whose last step is older than this has lost its driver (a killed process): another may take over
STALE_AFTER = timedelta(minutes=5)
ACTIVE = ("queued", "running")


@dataclass
class StepResult:
    stream: str | None
    finished: bool
    counts: dict[str, int] = field(default_factory=dict)
    deferred_for: float | None = None


def _audit(session: Session, actor: Actor, run: ZendeskSyncRun, action: str, **details: object) -> None:
    record(
        session,
        AuditEntry(
            name=f"zendesk:sync:{action}",
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=run.tenant_id,
            purpose=Purpose.SERVICE_PROVISION.value,
            object_type="zendesk_sync_run",
            object_id=str(run.id),
            details={"connection_id": str(run.connection_id), **details},
        ),
    )


def start_run(session: Session, *, actor: Actor, connection: ZendeskConnection, mode: str) -> ZendeskSyncRun:
    """Open a sync run; a run still alive elsewhere is a conflict, a dead one is taken over."""
    if connection.disconnected_at is not None:
        raise Conflict(f"zendesk connection {connection.id} is disconnected; connect the account again to sync it")
    for category in (ZENDESK_DATA, CUSTOMER_CONTACT):
        require_purpose(
            session,
            policy_for(session),
            category=category,
            purpose=Purpose.SERVICE_PROVISION,
            actor=actor,
            tenant_id=connection.tenant_id,
            object_type="zendesk_connection",
            object_id=str(connection.id),
        )
    last = repository.latest_run(session, tenant_id=connection.tenant_id, connection_id=connection.id)
    now = utcnow()
    if last is not None and last.status in ACTIVE:
        if now - last.heartbeat_at < STALE_AFTER:
            raise Conflict(f"zendesk connection {connection.id} is already syncing (run {last.id})")
        last.status, last.finished_at, last.error = "interrupted", now, "its driver stopped; taken over by a new run"
    run = ZendeskSyncRun(
        id=uuid.uuid4(),
        tenant_id=connection.tenant_id,
        connection_id=connection.id,
        mode=mode,
        status="running",
        steps=0,
        requests=0,
        counts={},
        started_at=now,
        heartbeat_at=now,
    )
    session.add(run)
    # a new run polls every stream again from where it stands
    for cursor in repository.cursors(session, tenant_id=connection.tenant_id, connection_id=connection.id):
        cursor.caught_up = False
    session.flush()
    _audit(session, actor, run, "started", mode=mode)
    return run


def _cursor(session: Session, connection: ZendeskConnection, stream: str) -> ZendeskSyncCursor:
    row = repository.cursor(session, tenant_id=connection.tenant_id, connection_id=connection.id, stream=stream)
    if row is None:
        row = ZendeskSyncCursor(
            id=uuid.uuid4(),
            tenant_id=connection.tenant_id,
            connection_id=connection.id,
            stream=stream,
            pending=[],
            caught_up=False,
            items=0,
        )
        session.add(row)
        session.flush()
    return row


def _done(cursor: ZendeskSyncCursor) -> bool:
    return cursor.caught_up and not cursor.pending


def run_step(
    session: Session,
    keyring: KeyRing,
    client: ZendeskApi,
    *,
    connection: ZendeskConnection,
    run: ZendeskSyncRun,
    actor: Actor,
) -> StepResult:
    """Do the next unit of work of `run`; finish the run when every stream is caught up."""
    mirror = Mirror(session, keyring, connection)
    result = StepResult(stream=None, finished=False)
    for stream in STREAMS:
        cursor = _cursor(session, connection, stream)
        if _done(cursor):
            continue
        result.stream = stream
        try:
            if stream == "organizations":
                _organizations(client, mirror, cursor, result)
            elif stream == "users":
                _users(client, mirror, cursor, result)
            else:
                _tickets(client, mirror, cursor, result)
        except RateLimitDeferred as deferred:
            result.deferred_for = deferred.retry_after
        break
    else:
        result.finished = True
    counts = dict(run.counts or {})
    for key, value in result.counts.items():
        counts[key] = counts.get(key, 0) + value
    run.counts = counts
    run.steps += 1
    run.stream = result.stream
    run.heartbeat_at = utcnow()
    if result.finished:
        run.status, run.finished_at = "succeeded", utcnow()
        _audit(session, actor, run, "finished", counts=counts)
    session.flush()
    return result


def _organizations(client: ZendeskApi, mirror: Mirror, cursor: ZendeskSyncCursor, result: StepResult) -> None:
    page = client.organizations_page(after=cursor.cursor, page_size=ORGANIZATION_PAGE_SIZE)
    result.counts["organizations"] = mirror.upsert_organizations(page.items)
    cursor.items += len(page.items)
    # organisations have no export cursor: each run lists them, `cursor` being the place within the list
    cursor.cursor = page.after_cursor if page.has_more else None
    cursor.caught_up = not page.has_more


def _users(client: ZendeskApi, mirror: Mirror, cursor: ZendeskSyncCursor, result: StepResult) -> None:
    page = client.export_users(start_time=0, cursor=cursor.cursor, per_page=EXPORT_PAGE_SIZE)
    result.counts["users"] = mirror.upsert_users(page.items)
    cursor.items += len(page.items)
    cursor.cursor = page.after_cursor or cursor.cursor
    cursor.caught_up = page.end_of_stream


def _tickets(client: ZendeskApi, mirror: Mirror, cursor: ZendeskSyncCursor, result: StepResult) -> None:
    if cursor.pending:
        _comments(client, mirror, cursor, result)
        return
    page = client.export_tickets(start_time=0, cursor=cursor.cursor, per_page=EXPORT_PAGE_SIZE)
    stale = mirror.upsert_tickets(page.items)
    result.counts["tickets"] = len(page.items)
    cursor.items += len(page.items)
    cursor.cursor = page.after_cursor or cursor.cursor
    cursor.pending = [row.zendesk_id for row in stale]
    cursor.caught_up = page.end_of_stream


def _comments(client: ZendeskApi, mirror: Mirror, cursor: ZendeskSyncCursor, result: StepResult) -> None:
    """Fetch the comments of the next pending tickets; what was done is kept even if a wait cuts the batch."""
    batch = list(cursor.pending[:COMMENT_BATCH])
    rows = repository.tickets_by_zendesk_id(
        mirror.session, tenant_id=mirror.tenant_id, connection_id=mirror.connection.id, zendesk_ids=batch
    )
    done: list[int] = []
    comments = tickets = 0
    try:
        for zendesk_id in batch:
            row = rows.get(zendesk_id)
            if row is not None and row.purged_at is None:
                try:
                    fetched = client.ticket_comments(zendesk_id)
                except ZendeskNotFound:
                    # deleted in Zendesk since the export: its deletion arrives with the next page or event
                    fetched = None
                if fetched is not None:
                    comments += mirror.store_comments(row, fetched, synced_for=row.zendesk_updated_at)
            tickets += 1
            done.append(zendesk_id)
    finally:
        cursor.pending = [z for z in cursor.pending if z not in set(done)]
        result.counts["comments"] = comments
        result.counts["tickets_with_comments"] = tickets


def fail_run(session: Session, *, run: ZendeskSyncRun, actor: Actor, error: str) -> None:
    run.status, run.finished_at, run.error = "failed", utcnow(), error[:500]
    run.heartbeat_at = utcnow()
    _audit(session, actor, run, "failed")
    session.flush()


def run_read(run: ZendeskSyncRun) -> SyncRunRead:
    return SyncRunRead(
        id=run.id,
        mode=run.mode,
        status=run.status,
        stream=run.stream,
        steps=run.steps,
        requests=run.requests,
        counts=dict(run.counts or {}),
        started_at=run.started_at,
        heartbeat_at=run.heartbeat_at,
        finished_at=run.finished_at,
        error=run.error,
    )


def queue_step(session: Session, run: ZendeskSyncRun, *, delay: float | None = None) -> None:
    """Queue the job that runs the next step of `run` (one per step: a duplicate message runs it once)."""
    enqueue(
        session,
        "zendesk.sync_step",
        args={"tenant_id": run.tenant_id, "connection_id": run.connection_id, "run_id": run.id},
        key=f"zendesk-sync:{run.id}:{run.steps}",
        tenant_id=run.tenant_id,
        run_after=utcnow() + timedelta(seconds=delay) if delay else None,
    )


def request_sync(session: Session, *, actor: Actor, tenant: Tenant, connection_id: uuid.UUID) -> SyncRunRead:
    """Start a sync that jobs drive, one step each, until every stream is caught up."""
    connection = get_connection(session, actor=actor, tenant=tenant, connection_id=connection_id, manage=True)
    run = start_run(session, actor=actor, connection=connection, mode="job")
    queue_step(session, run)
    return run_read(run)


def sync_status(session: Session, *, actor: Actor, tenant: Tenant, connection_id: uuid.UUID) -> SyncStatus:
    connection = get_connection(session, actor=actor, tenant=tenant, connection_id=connection_id)
    last = repository.latest_run(session, tenant_id=tenant.id, connection_id=connection.id)
    streams = [
        StreamRead(
            stream=c.stream, caught_up=c.caught_up, items=c.items, pending=len(c.pending or []), updated_at=c.updated_at
        )
        for c in repository.cursors(session, tenant_id=tenant.id, connection_id=connection.id)
    ]
    return SyncStatus(connection_id=connection.id, last_run=run_read(last) if last else None, streams=streams)


def connection_summaries(
    session: Session, *, actor: Actor, tenant: Tenant
) -> list[tuple[ConnectionRead, SyncRunRead | None]]:
    """The tenant's connections, each with its latest sync run (if any)."""
    require(actor, Permission.ZENDESK_READ)
    summaries = []
    for connection in repository.list_connections(session, tenant_id=tenant.id):
        last = repository.latest_run(session, tenant_id=tenant.id, connection_id=connection.id)
        summaries.append((to_read(connection), run_read(last) if last is not None else None))
    return summaries
