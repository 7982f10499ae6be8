"""Recording audit events: queued on the session, chained and written when it commits.

Events are appended in the same transaction as the change they describe, so there is
never a change without its event. The chain head row is locked only for the moment the
batch is appended, just before commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from omniwise.audit.anchor import Anchor, AnchorSink
from omniwise.audit.chain import GENESIS_HASH, event_hash
from omniwise.audit.models import AuditEvent, AuditHead
from omniwise.db import after_commit
from omniwise.kit.clock import utcnow

PENDING_KEY = "omniwise_audit_pending"
SINK_KEY = "omniwise_audit_sink"


@dataclass(frozen=True)
class AuditEntry:
    """What happened, named `source:subject:action`, with ids only."""

    name: str
    actor_type: str
    actor_id: str | None
    tenant_id: uuid.UUID | None = None
    purpose: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    subject_id: uuid.UUID | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name.count(":") != 2:
            raise ValueError(f"audit event name {self.name!r} is not source:subject:action")


def record(session: Session, entry: AuditEntry) -> None:
    """Queue an event; it is chained and stored when the session commits."""
    session.info.setdefault(PENDING_KEY, []).append(entry)


def bind_anchor_sink(session: Session, sink: AnchorSink) -> None:
    session.info[SINK_KEY] = sink


def _lock_head(session: Session) -> AuditHead:
    """Lock the chain head for this append; create it first if the chain is new.

    Concurrent first appends both try the insert; ON CONFLICT lets the loser wait on the
    row lock instead of failing.
    """
    dialect = session.get_bind().dialect.name
    values = {"id": 1, "seq": 0, "hash": GENESIS_HASH}
    if dialect == "postgresql":
        session.execute(pg_insert(AuditHead).values(**values).on_conflict_do_nothing(index_elements=["id"]))
    else:
        session.execute(sqlite_insert(AuditHead).values(**values).on_conflict_do_nothing(index_elements=["id"]))
    return session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


@event.listens_for(Session, "before_commit")
def _append_pending(session: Session) -> None:
    pending: list[AuditEntry] = session.info.pop(PENDING_KEY, [])
    if not pending:
        return
    session.flush()
    head = _lock_head(session)
    seq, prev = head.seq, head.hash
    rows: list[dict[str, Any]] = []
    now = utcnow()
    for entry in pending:
        seq += 1
        row = AuditEvent(
            seq=seq,
            event_id=uuid.uuid4(),
            occurred_at=now,
            name=entry.name,
            actor_type=entry.actor_type,
            actor_id=entry.actor_id,
            tenant_id=entry.tenant_id,
            purpose=entry.purpose,
            object_type=entry.object_type,
            object_id=entry.object_id,
            subject_id=entry.subject_id,
            details=entry.details,
            prev_hash=prev,
        )
        row.hash = event_hash(prev, row)
        prev = row.hash
        rows.append({c.key: getattr(row, c.key) for c in AuditEvent.__table__.columns})
    session.execute(insert(AuditEvent), rows)
    head.seq, head.hash = seq, prev
    session.flush()
    sink: AnchorSink | None = session.info.get(SINK_KEY)
    if sink is not None:
        anchor = Anchor(seq, prev)
        after_commit(session, lambda: sink.write(anchor))


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    """Events queued for work that was rolled back describe nothing that happened."""
    session.info.pop(PENDING_KEY, None)
