"""SQL for tenants."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
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
