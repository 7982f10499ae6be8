"""Audit events for refusals, kept even though the refused work is rolled back.

A refusal raises, and the request or job that raised rolls its transaction back, which
would drop an event queued on it. So a refusal is written in a transaction of its own as
soon as the current one ends, whether it commits, rolls back or is merely closed.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from omniwise.audit import AuditEntry, record
from omniwise.audit.service import SINK_KEY, bind_anchor_sink

REFUSALS_KEY = "omniwise_policy_refusals"


def record_refusal(session: Session, entry: AuditEntry) -> None:
    """Queue `entry`; it is stored on its own once this session's transaction ends (at once if none is open)."""
    session.info.setdefault(REFUSALS_KEY, []).append(entry)
    if not session.in_transaction():
        # nothing would end, so nothing would store it: a refusal before any query must not be lost
        _store(session)


def _store(session: Session) -> None:
    entries: list[AuditEntry] = session.info.pop(REFUSALS_KEY, [])
    if not entries:
        return
    # The session's own transaction is over: on SQLite its write lock is released, so a
    # second session can append to the chain without waiting on the first.
    with Session(bind=session.get_bind()) as own:
        sink = session.info.get(SINK_KEY)
        if sink is not None:
            bind_anchor_sink(own, sink)
        for entry in entries:
            record(own, entry)
        own.commit()


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    # the outermost transaction only, however it ended: commit, rollback, or a close without either
    if transaction.parent is None:
        _store(session)
