"""Rules for legal holds (who may set and release them, what they name) and for reading retention runs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.errors import Conflict, NotFound, ValidationFailed
from omniwise.kit.clock import utcnow
from omniwise.policy.binding import policy_for
from omniwise.retention import repository
from omniwise.retention.models import LegalHold, RetentionRun
from omniwise.retention.schemas import HoldCreate, HoldRead, HoldScope
from omniwise.subjects.models import DataSubject
from omniwise.tenants.models import Tenant
from omniwise.tenants.service import require

# the daily sweep runs every 24 hours; a heartbeat older than two days means it stopped running
HEARTBEAT_MAX_AGE = timedelta(days=2)


def hold_read(hold: LegalHold, *, now: datetime | None = None) -> HoldRead:
    moment = now or utcnow()
    return HoldRead.model_validate(
        {
            **{c.key: getattr(hold, c.key) for c in LegalHold.__table__.columns},
            "active": hold.active_at(moment),
        }
    )


def _audit(session: Session, actor: Actor, hold: LegalHold, action: str) -> None:
    # the reason is free text a person typed: it stays in its table, not in the audit chain
    record(
        session,
        AuditEntry(
            name=f"retention:hold:{action}",
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=hold.tenant_id,
            purpose="legal_compliance",
            object_type="legal_hold",
            object_id=str(hold.id),
            subject_id=hold.subject_id,
            details={"scope": hold.scope, "category": hold.category, "ends_at": hold.ends_at.isoformat()},
        ),
    )


def create_hold(session: Session, *, actor: Actor, data: HoldCreate) -> LegalHold:
    """Keep a tenant's, a person's or a category's records past their period until `ends_at`."""
    require(actor, Permission.RETENTION_HOLDS)
    now = utcnow()
    if data.ends_at <= now:
        raise ValidationFailed("ends_at: must be in the future")
    tenant_id = data.tenant_id
    if data.scope is HoldScope.TENANT and session.get(Tenant, data.tenant_id) is None:
        raise NotFound(f"tenant {data.tenant_id} does not exist")
    if data.scope is HoldScope.SUBJECT:
        subject = session.get(DataSubject, data.subject_id)
        if subject is None:
            raise NotFound(f"data subject {data.subject_id} does not exist")
        if subject.erased_at is not None:
            raise Conflict(f"data subject {data.subject_id} is already erased; there is nothing left to hold")
        tenant_id = subject.tenant_id
    if data.scope is HoldScope.CATEGORY and data.category not in policy_for(session).categories_by_id:
        raise ValidationFailed(f"category: '{data.category}' is not a category of the privacy policy")
    hold = LegalHold(
        id=uuid.uuid4(),
        scope=data.scope.value,
        tenant_id=tenant_id,
        subject_id=data.subject_id,
        category=data.category,
        reason=data.reason,
        set_by_type=actor.kind,
        set_by_id=actor.id,
        created_at=now,
        ends_at=data.ends_at,
    )
    session.add(hold)
    session.flush()
    _audit(session, actor, hold, "created")
    return hold


def list_holds(session: Session, *, actor: Actor, include_ended: bool = False, limit: int = 100) -> list[LegalHold]:
    require(actor, Permission.RETENTION_HOLDS)
    return list(repository.list_holds(session, include_ended=include_ended, at=utcnow(), limit=limit))


def release_hold(session: Session, *, actor: Actor, hold_id: uuid.UUID) -> LegalHold:
    """End a hold now; the next sweep treats its records like any others."""
    require(actor, Permission.RETENTION_HOLDS)
    hold = repository.get_hold(session, hold_id)
    if hold is None:
        raise NotFound(f"legal hold {hold_id} does not exist")
    if hold.released_at is not None:
        raise Conflict(f"legal hold {hold_id} was already released")
    hold.released_at = utcnow()
    hold.released_by_type, hold.released_by_id = actor.kind, actor.id
    session.flush()
    _audit(session, actor, hold, "released")
    return hold


def get_run(session: Session, *, actor: Actor, run_id: uuid.UUID) -> RetentionRun:
    require(actor, Permission.RETENTION_READ)
    run = repository.get_run(session, run_id)
    if run is None:
        raise NotFound(f"retention run {run_id} does not exist")
    return run


def list_runs(
    session: Session, *, actor: Actor, limit: int, before: datetime | None = None, include_dry_runs: bool = True
) -> list[RetentionRun]:
    require(actor, Permission.RETENTION_READ)
    return list(repository.list_runs(session, limit=limit, before=before, include_dry_runs=include_dry_runs))


@dataclass(frozen=True)
class Heartbeat:
    """Whether retention is running: the newest completed real run, and how old it is."""

    ok: bool
    last_run_id: uuid.UUID | None
    last_finished_at: datetime | None
    age: timedelta | None


def heartbeat(session: Session, *, now: datetime | None = None, max_age: timedelta = HEARTBEAT_MAX_AGE) -> Heartbeat:
    """For the security checks: fails when no real sweep has completed within `max_age`."""
    moment = now or utcnow()
    run = repository.latest_completed_run(session)
    if run is None or run.finished_at is None:
        return Heartbeat(False, None, None, None)
    age = moment - run.finished_at
    return Heartbeat(age <= max_age, run.id, run.finished_at, age)


@dataclass(frozen=True)
class WeekVolume:
    """What real retention runs did in one ISO week (Monday to Sunday, UTC)."""

    week: date
    runs: int
    deleted: int
    anonymised: int


def volumes_per_week(session: Session, *, actor: Actor, weeks: int = 12) -> list[WeekVolume]:
    """Rows deleted and anonymised by real runs in each of the last `weeks` weeks, oldest first."""
    require(actor, Permission.RETENTION_READ)
    today = utcnow().date()
    last = today - timedelta(days=today.weekday())
    starts = [last - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    totals = {start: [0, 0, 0] for start in starts}
    since = datetime.combine(starts[0], time.min, tzinfo=UTC)
    for started, deleted, anonymised in repository.run_volumes(session, since=since):
        day = started.date()
        bucket = totals.get(day - timedelta(days=day.weekday()))
        if bucket is not None:
            bucket[0] += 1
            bucket[1] += deleted
            bucket[2] += anonymised
    return [WeekVolume(start, *totals[start]) for start in starts]


def active_hold_count(session: Session, *, actor: Actor) -> int:
    require(actor, Permission.RETENTION_READ)
    return repository.count_active_holds(session, at=utcnow())


def heartbeat_for(session: Session, *, actor: Actor) -> Heartbeat:
    """The heartbeat, for staff who may read retention runs."""
    require(actor, Permission.RETENTION_READ)
    return heartbeat(session)
