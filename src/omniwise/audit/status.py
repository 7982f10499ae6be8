"""The chain's status for people: verified on demand, and the newest result of the background check."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from omniwise.audit.anchor import AnchorSink
from omniwise.audit.models import AuditEvent, AuditVerification
from omniwise.audit.verify import VerifyResult, verify_chain
from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.kit.clock import utcnow
from omniwise.tenants.service import require


def verify_now(session: Session, *, actor: Actor, anchor_sink: AnchorSink) -> VerifyResult:
    require(actor, Permission.AUDIT_READ)
    return verify_chain(session, anchor_sink)


def latest_verification(session: Session, *, actor: Actor) -> AuditVerification | None:
    """The newest outcome stored by the `audit.verify_chain` job, if it has run."""
    require(actor, Permission.AUDIT_READ)
    stmt = select(AuditVerification).order_by(AuditVerification.created_at.desc()).limit(1)
    return session.scalars(stmt).first()


def events_per_week(session: Session, *, actor: Actor, weeks: int = 12) -> list[tuple[date, int]]:
    """Events appended in each of the last `weeks` ISO weeks (Monday to Sunday, UTC), oldest first, in one scan."""
    require(actor, Permission.AUDIT_READ)
    today = utcnow().date()
    last = today - timedelta(days=today.weekday())
    starts = [last - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    bounds = [datetime.combine(start, time.min, tzinfo=UTC) for start in [*starts, last + timedelta(weeks=1)]]
    sums = [
        func.coalesce(func.sum(case((and_(AuditEvent.occurred_at >= lo, AuditEvent.occurred_at < hi), 1), else_=0)), 0)
        for lo, hi in itertools.pairwise(bounds)
    ]
    row = session.execute(select(*sums).where(AuditEvent.occurred_at >= bounds[0])).one()
    return [(start, int(count)) for start, count in zip(starts, row, strict=True)]


def events_about(
    session: Session, *, actor: Actor, object_type: str, object_id: str, limit: int = 500
) -> list[AuditEvent]:
    """The events recorded about one object (a privacy request, a hold...), oldest first: its evidence."""
    require(actor, Permission.AUDIT_READ)
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
        .order_by(AuditEvent.seq)
        .limit(limit)
    )
    return list(session.scalars(stmt))
