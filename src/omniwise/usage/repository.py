"""SQL for usage events and daily rollups."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import case, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from omniwise.kit.db import tenant_scoped
from omniwise.usage.models import UsageDaily, UsageEvent


def roll_up(session: Session, *, day: date, start: datetime, end: datetime, at: datetime) -> int:
    """Replace the day's rollups with counts computed from its events, in two statements."""
    session.execute(delete(UsageDaily).where(UsageDaily.day == day))
    errors = func.sum(case((UsageEvent.outcome.in_(("4xx", "5xx")), 1), else_=0))
    totals = (
        select(
            UsageEvent.tenant_id,
            literal(day, UsageDaily.day.type),
            UsageEvent.feature,
            func.count(),
            errors,
            literal(at, UsageDaily.rolled_up_at.type),
        )
        .where(UsageEvent.tenant_id.is_not(None), UsageEvent.occurred_at >= start, UsageEvent.occurred_at < end)
        .group_by(UsageEvent.tenant_id, UsageEvent.feature)
    )
    columns = ["tenant_id", "day", "feature", "count", "errors", "rolled_up_at"]
    session.execute(insert(UsageDaily).from_select(columns, totals))
    return int(session.scalar(select(func.count()).select_from(UsageDaily).where(UsageDaily.day == day)) or 0)


def daily(session: Session, *, tenant_id: uuid.UUID, since: date, until: date) -> Sequence[UsageDaily]:
    stmt = (
        tenant_scoped(select(UsageDaily), UsageDaily, tenant_id)
        .where(UsageDaily.day >= since, UsageDaily.day <= until)
        .order_by(UsageDaily.day, UsageDaily.feature)
    )
    return session.scalars(stmt).all()
