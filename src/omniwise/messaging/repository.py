"""SQL for the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from omniwise.kit.db import tenant_scoped
from omniwise.messaging.models import MessageStatus, OutboxMessage


def insert_new(session: Session, rows: Sequence[dict[str, Any]]) -> list[uuid.UUID]:
    """Insert the rows whose dedupe key is new; the ids of those inserted."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    insert = pg_insert(OutboxMessage) if dialect == "postgresql" else sqlite_insert(OutboxMessage)
    statement = insert.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(OutboxMessage.id)
    return list(session.scalars(statement, list(rows)))


def claim(session: Session, message_id: uuid.UUID) -> OutboxMessage | None:
    """Take a queued message for one attempt; None if it is not queued (sent, or taken by another worker).

    The conditional UPDATE holds the row until this transaction ends, so a duplicate job
    for the same message waits, then finds it no longer queued.
    """
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == MessageStatus.QUEUED.value)
        .values(attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    if result.rowcount != 1:
        return None
    return session.get(OutboxMessage, message_id, populate_existing=True)


def queued_ids(session: Session, *, after: uuid.UUID | None, limit: int) -> Sequence[uuid.UUID]:
    statement = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == MessageStatus.QUEUED.value)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(OutboxMessage.id > after)
    return session.scalars(statement).all()


def by_dedupe_key(session: Session, dedupe_key: str) -> OutboxMessage | None:
    return session.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)).one_or_none()


def messages_of(session: Session, *, tenant_id: uuid.UUID, subject_ids: Sequence[uuid.UUID]) -> Sequence[OutboxMessage]:
    """The outbox rows of these people in one tenant, oldest first (ids, templates, states: no address)."""
    stmt = (
        tenant_scoped(select(OutboxMessage), OutboxMessage, tenant_id)
        .where(OutboxMessage.subject_id.in_(subject_ids))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    )
    return session.scalars(stmt).all()


def count_messages_of(session: Session, *, tenant_id: uuid.UUID, subject_ids: Sequence[uuid.UUID]) -> int:
    stmt = tenant_scoped(select(func.count()).select_from(OutboxMessage), OutboxMessage, tenant_id).where(
        OutboxMessage.subject_id.in_(subject_ids)
    )
    return int(session.scalar(stmt) or 0)


def delete_messages_of(session: Session, *, tenant_id: uuid.UUID, subject_ids: Sequence[uuid.UUID]) -> int:
    """One DELETE for all of these people's outbox rows in the tenant; how many went."""
    result = cast(
        "CursorResult[Any]",
        session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.tenant_id == tenant_id, OutboxMessage.subject_id.in_(subject_ids))
            .execution_options(synchronize_session=False)
        ),
    )
    return int(result.rowcount or 0)
