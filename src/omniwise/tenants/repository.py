"""SQL for tenants."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omniwise.tenants.models import Tenant


def get(session: Session, tenant_id: uuid.UUID) -> Tenant | None:
    return session.get(Tenant, tenant_id)


def list_page(session: Session, *, only: uuid.UUID | None, after: uuid.UUID | None, limit: int) -> Sequence[Tenant]:
    stmt = select(Tenant).order_by(Tenant.id).limit(limit)
    if only is not None:
        stmt = stmt.where(Tenant.id == only)
    if after is not None:
        stmt = stmt.where(Tenant.id > after)
    return session.scalars(stmt).all()


def count_by_status(session: Session) -> dict[str, int]:
    stmt = select(Tenant.status, func.count()).group_by(Tenant.status)
    return {status: int(count) for status, count in session.execute(stmt)}
