"""SQL for usage events and daily rollups."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, case, delete, func, insert, literal, select, update
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


def _of_account(user_id: uuid.UUID) -> Any:
    return (UsageEvent.actor_type == "user") & (UsageEvent.actor_id == str(user_id))


def count_of_account(session: Session, *, user_id: uuid.UUID) -> int:
    """How many events still name this account (those past their period were anonymised already)."""
    return int(session.scalar(select(func.count()).select_from(UsageEvent).where(_of_account(user_id))) or 0)


def events_of_account(session: Session, *, user_id: uuid.UUID) -> Iterator[UsageEvent]:
    """The account's events, oldest first, read in batches so that a long history streams."""
    stmt = select(UsageEvent).where(_of_account(user_id)).order_by(UsageEvent.id).execution_options(yield_per=1000)
    yield from session.scalars(stmt)


def anonymise_account(session: Session, *, user_id: uuid.UUID) -> int:
    """Drop the account's id from its events in one statement, as the retention sweep does at the period's end."""
    stmt = (
        update(UsageEvent)
        .where(_of_account(user_id))
        .values(actor_id=None, actor_type=None)
        .execution_options(synchronize_session=False)
    )
    return int(cast("CursorResult[Any]", session.execute(stmt)).rowcount or 0)
