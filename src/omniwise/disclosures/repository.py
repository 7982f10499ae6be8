"""SQL for disclosure records, read by vendor staff across businesses or for one business."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from omniwise.disclosures.models import Disclosure
from omniwise.kit.db import tenant_scoped
from omniwise.tenants.models import Tenant


def _filtered(
    statement: Select[Disclosure],
    *,
    tenant_id: uuid.UUID | None,
    recipient_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> Select[Disclosure]:
    if tenant_id is not None:
        statement = tenant_scoped(statement, Disclosure, tenant_id)
    if recipient_id is not None:
        statement = statement.where(Disclosure.recipient_id == recipient_id)
    if since is not None:
        statement = statement.where(Disclosure.created_at >= since)
    if until is not None:
        statement = statement.where(Disclosure.created_at < until)
    return statement


def page(
    session: Session,
    *,
    tenant_id: uuid.UUID | None,
    recipient_id: str | None,
    since: datetime | None,
    until: datetime | None,
    after: uuid.UUID | None,
    limit: int,
) -> Sequence[tuple[Disclosure, str]]:
    """Records newest first, each with its business's name; `after` is the last record of the previous page."""
    filtered = _filtered(select(Disclosure), tenant_id=tenant_id, recipient_id=recipient_id, since=since, until=until)
    statement = filtered.add_columns(Tenant.name).join(Tenant, Tenant.id == Disclosure.tenant_id)
    if after is not None:
        last = session.get(Disclosure, after)
        if last is None:
            return []
        statement = statement.where(
            or_(
                Disclosure.created_at < last.created_at,
                and_(Disclosure.created_at == last.created_at, Disclosure.id < last.id),
            )
        )
    statement = statement.order_by(Disclosure.created_at.desc(), Disclosure.id.desc()).limit(limit)
    return [(row, name) for row, name in session.execute(statement)]


def count_since(session: Session, *, since: datetime) -> int:
    return int(session.scalar(select(func.count()).select_from(Disclosure).where(Disclosure.created_at >= since)) or 0)
