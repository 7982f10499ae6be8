"""Engines and sessions for the embedded SQLite file and for PostgreSQL.

The request or job boundary owns the transaction: it opens a session with
`session_scope`, services only flush, and work queued during the transaction (jobs,
audit anchors) runs only once the transaction has committed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

AFTER_COMMIT_KEY = "omniwise_after_commit"
SAVEPOINT_MARKS_KEY = "omniwise_after_commit_marks"


def normalise_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_db_engine(url: str, *, secure_delete: bool = False, **kwargs: Any) -> Engine:
    """Create an engine with the settings the platform relies on.

    SQLite: WAL for concurrent readers, foreign keys on, and BEGIN IMMEDIATE so that a
    transaction that reads then writes (the audit chain does) never dead-ends on a
    busy lock. `secure_delete` zeroes freed pages, so a destroyed key leaves no bytes.
    """
    url = normalise_url(url)
    # statement parameters can hold personal data; errors and logs must never show them
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None},
            **kwargs,
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            if secure_delete:
                cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's transaction commits; drop it on rollback."""
    session.info.setdefault(AFTER_COMMIT_KEY, []).append(callback)


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction: Any) -> None:
    """Remember how many callbacks were queued when a savepoint began, to drop only its own on its rollback."""
    if transaction.nested:
        marks: dict[int, int] = session.info.setdefault(SAVEPOINT_MARKS_KEY, {})
        marks[id(transaction)] = len(session.info.get(AFTER_COMMIT_KEY, []))


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    # SQLAlchemy reports a released savepoint as a commit too; nothing is committed until the outer one is
    if session.get_nested_transaction() is not None:
        return
    session.info.pop(SAVEPOINT_MARKS_KEY, None)
    callbacks: list[Callable[[], None]] = session.info.pop(AFTER_COMMIT_KEY, [])
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session: Session, previous_transaction: Any) -> None:
    """A savepoint rolled back drops the callbacks queued inside it; the outer transaction's, all of them."""
    if previous_transaction.nested:
        mark = session.info.get(SAVEPOINT_MARKS_KEY, {}).pop(id(previous_transaction), None)
        callbacks = session.info.get(AFTER_COMMIT_KEY)
        if mark is not None and callbacks is not None:
            del callbacks[mark:]
        return
    if previous_transaction.parent is None:
        session.info.pop(AFTER_COMMIT_KEY, None)
        session.info.pop(SAVEPOINT_MARKS_KEY, None)


@contextlib.contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
