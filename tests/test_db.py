"""After-commit work runs only when the outermost transaction commits, never at a savepoint."""

from __future__ import annotations

from sqlalchemy import text

from omniwise.db import after_commit
from omniwise.runtime import Runtime


def test_work_queued_in_a_savepoint_waits_for_the_outer_commit(runtime: Runtime) -> None:
    ran: list[str] = []
    with runtime.transaction() as session:
        after_commit(session, lambda: ran.append("before"))
        savepoint = session.begin_nested()
        after_commit(session, lambda: ran.append("kept"))
        session.execute(text("SELECT 1"))
        savepoint.commit()
        assert ran == []  # a released savepoint is not a commit: a job message sent now would arrive too early
        dropped = session.begin_nested()
        after_commit(session, lambda: ran.append("dropped"))
        dropped.rollback()
        assert ran == []
    assert ran == ["before", "kept"]


def test_a_rolled_back_transaction_runs_nothing(runtime: Runtime) -> None:
    ran: list[str] = []
    session = runtime.sessions()
    try:
        savepoint = session.begin_nested()
        after_commit(session, lambda: ran.append("inner"))
        savepoint.commit()
        after_commit(session, lambda: ran.append("outer"))
        session.rollback()
        session.commit()
    finally:
        session.close()
    assert ran == []
