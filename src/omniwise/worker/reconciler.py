"""The reconciler: re-sends the messages of jobs that a lost message or a killed worker left behind.

Safe with several reconcilers at once: candidates are locked with SKIP LOCKED (PostgreSQL)
or under SQLite's single writer, and a job's `sent_at` is moved on before its message
leaves, so each stranded job is re-sent by one reconciler, at most once per grace period.
A duplicate message would be harmless anyway: the runner claims a job only once.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from omniwise.db import after_commit
from omniwise.kit.clock import utcnow
from omniwise.runtime import Runtime
from omniwise.worker import broker
from omniwise.worker.models import RUNNABLE, Job, JobStatus
from omniwise.worker.schedule import ensure_daily_jobs

log = logging.getLogger("omniwise.worker.reconciler")

BATCH = 500


@dataclass(frozen=True)
class ReconcileReport:
    lost_messages: list[uuid.UUID] = field(default_factory=list)
    expired_leases: list[uuid.UUID] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.lost_messages) + len(self.expired_leases)


def reconcile(session: Session, *, grace: timedelta, now: datetime | None = None) -> ReconcileReport:
    """Find stranded jobs, mark them re-sent, and send their messages after the caller commits.

    Stranded: runnable (queued, or failed and due for a retry) for longer than `grace`
    with no message sent within `grace` (the message was lost); or running past the
    end of its lease (the worker was killed) with no message sent since.
    """
    now = now or utcnow()
    cutoff = now - grace
    not_sent_lately = or_(Job.sent_at.is_(None), Job.sent_at <= cutoff)
    lost = _take(
        session,
        and_(Job.status.in_([s.value for s in RUNNABLE]), Job.run_after <= cutoff, not_sent_lately),
        now,
    )
    expired = _take(
        session,
        and_(
            Job.status == JobStatus.RUNNING.value,
            Job.lease_until < now,
            or_(not_sent_lately, Job.sent_at < Job.lease_until),
        ),
        now,
    )
    report = ReconcileReport(lost, expired)
    if report.total:
        after_commit(session, lambda: _send_all([*lost, *expired]))
    return report


def redrive_all(session: Session, *, now: datetime | None = None) -> int:
    """Re-send every runnable job, each delayed until it is due; for a broker that starts empty.

    The in-process broker loses its messages with its process, so at start every runnable
    job in the database is known to have none.
    """
    now = now or utcnow()
    rows = session.execute(
        select(Job.id, Job.run_after)
        .where(Job.status.in_([s.value for s in RUNNABLE]))
        .order_by(Job.run_after)
        .with_for_update(skip_locked=True)
    ).all()
    pending = [(row.id, max((row.run_after - now).total_seconds(), 0.0)) for row in rows]
    if pending:
        session.execute(
            update(Job)
            .where(Job.id.in_([job_id for job_id, _ in pending]))
            .values(sent_at=now)
            .execution_options(synchronize_session=False)
        )
        after_commit(session, lambda: _send_delayed(pending))
    return len(pending)


def _take(session: Session, condition: ColumnElement[bool], now: datetime) -> list[uuid.UUID]:
    ids = list(
        session.scalars(select(Job.id).where(condition).order_by(Job.id).limit(BATCH).with_for_update(skip_locked=True))
    )
    if ids:
        session.execute(
            update(Job).where(Job.id.in_(ids)).values(sent_at=now).execution_options(synchronize_session=False)
        )
    return ids


def _send_all(job_ids: list[uuid.UUID]) -> None:
    for job_id in job_ids:
        broker.send_job(job_id)


def _send_delayed(pending: list[tuple[uuid.UUID, float]]) -> None:
    for job_id, delay in pending:
        broker.send_job(job_id, delay_seconds=delay)


class Reconciler:
    """Runs `reconcile` every `interval` seconds on a daemon thread until stopped."""

    def __init__(self, runtime: Runtime, *, interval: float, grace: timedelta) -> None:
        self.runtime = runtime
        self.interval = interval
        self.grace = grace
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="omniwise-reconciler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def run_once(self) -> ReconcileReport | None:
        """One pass, which also mends the chain of daily jobs; a failure (database away) is logged
        by type and retried at the next tick."""
        try:
            with self.runtime.transaction() as session:
                report = reconcile(session, grace=self.grace)
            with self.runtime.transaction() as session:
                ensure_daily_jobs(session)
        except Exception as exc:
            log.warning("reconciler pass failed (%s); trying again in %.0fs", type(exc).__name__, self.interval)
            return None
        if report.total:
            log.info(
                "reconciler re-sent %d job(s) whose message was lost and %d whose worker stopped",
                len(report.lost_messages),
                len(report.expired_leases),
            )
        return report

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.run_once()
