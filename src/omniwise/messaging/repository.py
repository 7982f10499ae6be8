"""SQL for the outbox."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

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
