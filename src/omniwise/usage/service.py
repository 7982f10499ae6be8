"""Recording usage events and rolling them up per tenant and day (the "features utilised" of notice 1c)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.errors import ValidationFailed
from omniwise.kit.clock import utcnow
from omniwise.tenants.models import Tenant
from omniwise.tenants.service import require
from omniwise.usage import repository
from omniwise.usage.models import UsageDaily, UsageEvent

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30


def outcome_of(status_code: int) -> str:
    """The status class only: enough to count failures, nothing about what failed."""
    return f"{min(max(status_code // 100, 1), 5)}xx"


def record_usage(
    session: Session,
    *,
    feature: str,
    outcome: str,
    tenant_id: uuid.UUID | None,
    actor_type: str | None,
    actor_id: str | None,
    at: datetime | None = None,
) -> UsageEvent:
    """One use of a feature (a route template such as 'GET /api/v1/tenants/{tenant_id}', or an app action)."""
    event = UsageEvent(
        tenant_id=tenant_id,
        actor_type=actor_type,
        actor_id=actor_id,
        feature=feature[:200],
        outcome=outcome,
        occurred_at=at or utcnow(),
    )
    session.add(event)
    session.flush()
    return event


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start, start + timedelta(days=1)


def roll_up_day(session: Session, *, day: date) -> int:
    """Recompute one UTC day's rollups from its events; running it again gives the same rows."""
    start, end = day_bounds(day)
    return repository.roll_up(session, day=day, start=start, end=end, at=utcnow())


def daily_usage(
    session: Session, *, actor: Actor, tenant: Tenant, since: date | None, until: date | None
) -> tuple[date, date, list[UsageDaily]]:
    """A tenant's rollups from `since` to `until` (both included; by default the last 30 days)."""
    require(actor, Permission.USAGE_READ)
    last = until or utcnow().date()
    first = since or last - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if first > last:
        raise ValidationFailed("since: must not be after until")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise ValidationFailed(f"since: the range may cover at most {MAX_RANGE_DAYS} days")
    return first, last, list(repository.daily(session, tenant_id=tenant.id, since=first, until=last))
