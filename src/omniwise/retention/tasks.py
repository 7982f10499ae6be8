"""The daily retention sweep, run by the job machinery at 02:00 UTC."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, time

from sqlalchemy.orm import Session

from omniwise.auth.actor import SYSTEM
from omniwise.retention.sweep import run_retention
from omniwise.worker import JobContext
from omniwise.worker.schedule import daily_job


def committing(session: Session) -> contextlib.AbstractContextManager[Session]:
    """Batches in the job's own session, each committed: the job's transaction would otherwise
    hold SQLite's write lock for the whole sweep, and a killed worker would lose all of it."""

    @contextlib.contextmanager
    def unit() -> Iterator[Session]:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    return unit()


@daily_job("retention.sweep", at=time(2, 0), max_attempts=3, backoff_seconds=600.0, lease_seconds=6 * 3600.0)
def sweep(ctx: JobContext, day: date) -> None:
    """Delete or anonymise what the policy says is past its period; a retried job continues the last one."""
    run_retention(ctx.runtime, dry_run=False, started_by="job", actor=SYSTEM, unit=lambda: committing(ctx.session))
