"""The reconciler re-drives jobs stranded by a lost message or a killed worker, once, whoever runs it."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import update

from omniwise.config import Settings
from omniwise.db import AFTER_COMMIT_KEY
from omniwise.kit.clock import utcnow
from omniwise.runtime import Runtime, build_runtime
from omniwise.worker import Job, JobStatus, enqueue
from omniwise.worker.process import BackgroundJobs
from omniwise.worker.reconciler import ReconcileReport, reconcile
from omniwise.worker.runner import claim_job
from tests.worker.helpers import load_job, marks, queued_messages, wait_for_status

HOUR = timedelta(hours=1)


def _enqueue_and_lose_the_message(runtime: Runtime, name: str = "tests.record") -> uuid.UUID:
    """Commit a job but never send its message: the process died between commit and send."""
    with runtime.transaction() as session:
        job_id = enqueue(session, name, args={}).id
        session.info.pop(AFTER_COMMIT_KEY)
    return job_id


def _reconcile(runtime: Runtime, *, grace: timedelta, ahead: timedelta = timedelta(0)) -> ReconcileReport:
    with runtime.transaction() as session:
        return reconcile(session, grace=grace, now=utcnow() + ahead)


def test_a_lost_message_is_sent_again_after_the_grace_period(runtime: Runtime, jobs: BackgroundJobs) -> None:
    job_id = _enqueue_and_lose_the_message(runtime)
    time.sleep(0.3)
    assert load_job(runtime, job_id).status == JobStatus.QUEUED  # nothing is coming for it

    assert _reconcile(runtime, grace=HOUR).total == 0  # still within the grace period
    report = _reconcile(runtime, grace=timedelta(0))
    assert report.lost_messages == [job_id]
    assert report.expired_leases == []
    job = wait_for_status(runtime, job_id, JobStatus.SUCCEEDED)
    assert job.attempts == 1
    assert marks(runtime) == 1


def test_a_job_whose_worker_was_killed_runs_again(runtime: Runtime, jobs: BackgroundJobs) -> None:
    job_id = _enqueue_and_lose_the_message(runtime)
    assert claim_job(runtime, job_id) is not None  # a worker took it, then was killed mid-job
    assert _reconcile(runtime, grace=HOUR).total == 0  # its lease still runs

    with runtime.transaction() as session:  # its message went before the claim, and the lease ran out since
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(sent_at=utcnow() - timedelta(seconds=10), lease_until=utcnow() - timedelta(seconds=1))
        )
    report = _reconcile(runtime, grace=HOUR)
    assert report.expired_leases == [job_id]
    assert report.lost_messages == []
    job = wait_for_status(runtime, job_id, JobStatus.SUCCEEDED)
    assert job.attempts == 2
    assert marks(runtime) == 1
    assert _reconcile(runtime, grace=timedelta(0)).total == 0  # nothing left to re-drive


def test_a_retry_whose_delayed_message_was_lost_is_re_driven(runtime: Runtime, idle_jobs: BackgroundJobs) -> None:
    job_id = _enqueue_and_lose_the_message(runtime, "tests.flaky")
    with runtime.transaction() as session:
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(status=JobStatus.FAILED_WILL_RETRY.value, attempts=1, run_after=utcnow(), sent_at=utcnow())
        )
    assert _reconcile(runtime, grace=timedelta(minutes=2)).total == 0
    assert _reconcile(runtime, grace=timedelta(minutes=2), ahead=timedelta(minutes=3)).lost_messages == [job_id]
    assert queued_messages(idle_jobs) == 1


def test_each_stranded_job_is_re_sent_once_by_concurrent_reconcilers(
    runtime: Runtime, idle_jobs: BackgroundJobs
) -> None:
    stranded = {_enqueue_and_lose_the_message(runtime) for _ in range(20)}
    reports: list[ReconcileReport] = []
    start = threading.Barrier(3)

    def run() -> None:
        start.wait(5)
        # all three look two minutes ahead with a one-minute grace: every job is stranded for each of them
        reports.append(_reconcile(runtime, grace=timedelta(minutes=1), ahead=timedelta(minutes=2)))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(reports) == 3
    sent = [job_id for report in reports for job_id in report.lost_messages]
    assert sorted(sent) == sorted(stranded)  # all of them, none twice
    assert queued_messages(idle_jobs) == 20
    # re-sent once per grace period
    assert _reconcile(runtime, grace=timedelta(minutes=1), ahead=timedelta(minutes=2, seconds=30)).total == 0


@pytest.fixture
def fast_reconciling(settings: Settings) -> Iterator[Runtime]:
    tuned = settings.model_copy(update={"reconcile_seconds": 0.1, "reconcile_grace_seconds": 0.0})
    runtime = build_runtime(tuned)
    yield runtime
    runtime.dispose()


def test_the_reconciler_thread_re_drives_on_its_own(fast_reconciling: Runtime) -> None:
    runtime = fast_reconciling
    with BackgroundJobs(runtime, consume=True, reconcile=True):
        job_id = _enqueue_and_lose_the_message(runtime)
        wait_for_status(runtime, job_id, JobStatus.SUCCEEDED, timeout=10)


def test_the_embedded_broker_re_sends_everything_runnable_when_it_starts(runtime: Runtime) -> None:
    due = _enqueue_and_lose_the_message(runtime)
    with runtime.transaction() as session:
        later = enqueue(session, "tests.record", args={}, run_after=utcnow() + timedelta(hours=2)).id
    with BackgroundJobs(runtime, consume=False, reconcile=False) as machinery:
        assert queued_messages(machinery) == 2  # one now, one delayed until it is due
    with BackgroundJobs(runtime, consume=True, reconcile=False):
        wait_for_status(runtime, due, JobStatus.SUCCEEDED)
    assert load_job(runtime, later).status == JobStatus.QUEUED
