"""Jobs through the embedded broker: run once, idempotent by key, sent only after commit, retried, then dead."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from omniwise.audit.models import AuditEvent, AuditVerification
from omniwise.auth.roles import Role
from omniwise.errors import ValidationFailed
from omniwise.kit.clock import utcnow
from omniwise.runtime import Runtime
from omniwise.worker import Job, JobKeyConflict, JobStatus, LeaseLost, UnknownJobHandler, enqueue
from omniwise.worker.broker import send_job
from omniwise.worker.process import BackgroundJobs
from omniwise.worker.runner import LEASE_EXPIRED_ERROR, claim_job, complete_job, run_job
from tests.factories import api_token
from tests.worker.helpers import load_job, marks, queued_messages, wait_for_status


def _enqueue(runtime: Runtime, name: str, **kwargs: object) -> uuid.UUID:
    with runtime.transaction() as session:
        return enqueue(session, name, args=kwargs.pop("args", {}), **kwargs).id  # type: ignore[arg-type]


def test_verify_chain_job_runs_once_and_stores_its_result(runtime: Runtime, jobs: BackgroundJobs) -> None:
    api_token(runtime, Role.VENDOR_ADMIN)  # leaves audit events for the verification to walk
    job_id = _enqueue(runtime, "audit.verify_chain")

    job = wait_for_status(runtime, job_id, JobStatus.SUCCEEDED)
    assert job.attempts == 1
    assert job.started_at is not None
    assert job.finished_at is not None
    assert job.finished_at >= job.started_at
    assert job.lease_until is None
    assert job.last_error is None
    with runtime.transaction() as session:
        verification = session.scalars(select(AuditVerification)).one()
    assert verification.ok is True
    assert verification.events_checked >= 1
    assert verification.first_bad_seq is None
    assert verification.reason is None

    # a duplicate message for a job already done changes nothing
    assert run_job(runtime, job_id) is None
    assert send_job(job_id)
    assert jobs.broker is not None
    jobs.broker.join(jobs.settings.worker_queue, timeout=10_000)
    assert marks(runtime) == 1
    assert load_job(runtime, job_id).attempts == 1


def test_a_broken_chain_is_recorded_as_such(runtime: Runtime, jobs: BackgroundJobs) -> None:
    api_token(runtime, Role.VENDOR_ADMIN)
    with runtime.transaction() as session:
        session.execute(update(AuditEvent).values(actor_id="forged"))
    job_id = _enqueue(runtime, "audit.verify_chain")
    wait_for_status(runtime, job_id, JobStatus.SUCCEEDED)
    with runtime.transaction() as session:
        verification = session.scalars(select(AuditVerification)).one()
    assert verification.ok is False
    assert verification.first_bad_seq == 1
    assert verification.reason == "event content does not match its hash"


def test_enqueue_by_key_returns_the_existing_job(runtime: Runtime, idle_jobs: BackgroundJobs) -> None:
    first = _enqueue(runtime, "tests.record", key="nightly-2024-07-19")
    again = _enqueue(runtime, "tests.record", key="nightly-2024-07-19")
    assert again == first
    with runtime.transaction() as session:
        same_transaction = {enqueue(session, "tests.record", args={}, key="k-2").id for _ in range(3)}
        with pytest.raises(JobKeyConflict) as conflict:
            enqueue(session, "audit.verify_chain", args={}, key="k-2")
        assert "tests.record" in conflict.value.detail
    assert len(same_transaction) == 1
    with runtime.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 2
    assert queued_messages(idle_jobs) == 2  # one message per job, none for the repeats


def test_concurrent_enqueue_with_one_key_makes_one_job(runtime: Runtime, idle_jobs: BackgroundJobs) -> None:
    ids: list[uuid.UUID] = []
    inserted, release = threading.Event(), threading.Event()

    def first() -> None:
        with runtime.transaction() as session:
            ids.append(enqueue(session, "tests.record", args={}, key="race").id)
            inserted.set()
            release.wait(5)

    def second() -> None:
        inserted.wait(5)
        with runtime.transaction() as session:
            ids.append(enqueue(session, "tests.record", args={}, key="race").id)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    inserted.wait(5)
    time.sleep(0.3)  # the second insert is now waiting on the first transaction
    release.set()
    for thread in threads:
        thread.join(10)
    assert len(ids) == 2
    assert ids[0] == ids[1]
    with runtime.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 1


def test_message_leaves_after_commit_and_never_on_rollback(runtime: Runtime, idle_jobs: BackgroundJobs) -> None:
    def failing_request() -> None:
        with runtime.transaction() as session:
            enqueue(session, "tests.record", args={})
            raise RuntimeError("the request failed after queueing its job")

    with pytest.raises(RuntimeError):
        failing_request()
    assert queued_messages(idle_jobs) == 0
    with runtime.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 0

    with runtime.transaction() as session:
        job = enqueue(session, "tests.record", args={"marker": 1})
        session.flush()
        assert queued_messages(idle_jobs) == 0  # not before the row is visible to workers
    assert queued_messages(idle_jobs) == 1
    assert load_job(runtime, job.id).status == JobStatus.QUEUED


def test_failures_retry_with_backoff_then_the_job_is_dead(runtime: Runtime, idle_jobs: BackgroundJobs) -> None:
    job_id = _enqueue(runtime, "tests.always_fails")
    assert run_job(runtime, job_id) is JobStatus.FAILED_WILL_RETRY
    job = load_job(runtime, job_id)
    assert (job.status, job.attempts, job.lease_until) == (JobStatus.FAILED_WILL_RETRY, 1, None)
    assert job.run_after > job.started_at  # type: ignore[operator]
    assert job.last_error is not None
    assert job.last_error.startswith("KeyError in tests.worker.handlers line ")
    assert "example.org" not in job.last_error  # the exception's text may be personal; only type and place are kept

    time.sleep(0.05)
    assert run_job(runtime, job_id) is JobStatus.FAILED_WILL_RETRY
    time.sleep(0.05)
    assert run_job(runtime, job_id) is JobStatus.DEAD
    job = load_job(runtime, job_id)
    assert (job.status, job.attempts) == (JobStatus.DEAD, 3)
    assert job.finished_at is not None
    assert run_job(runtime, job_id) is None  # a dead job stays dead
    assert marks(runtime) == 0  # every failed attempt's effect was rolled back


def test_a_message_ahead_of_the_retry_time_waits(runtime: Runtime, idle_jobs: BackgroundJobs) -> None:
    job_id = _enqueue(runtime, "tests.always_fails")
    with runtime.transaction() as session:
        session.execute(update(Job).where(Job.id == job_id).values(run_after=utcnow() + timedelta(hours=1)))
    before = queued_messages(idle_jobs)
    assert run_job(runtime, job_id) is None
    job = load_job(runtime, job_id)
    assert (job.status, job.attempts) == (JobStatus.QUEUED, 0)
    assert queued_messages(idle_jobs) == before + 1  # re-sent, delayed until due


def test_retried_job_succeeds_and_only_the_successful_attempt_counts(runtime: Runtime, jobs: BackgroundJobs) -> None:
    job_id = _enqueue(runtime, "tests.flaky", args={"succeed_on": 3})
    job = wait_for_status(runtime, job_id, JobStatus.SUCCEEDED)
    assert job.attempts == 3
    assert job.last_error is None
    with runtime.transaction() as session:
        mark = session.scalars(select(AuditVerification)).one()
    assert mark.first_bad_seq == 3  # the attempt that committed


def test_our_errors_keep_their_detail(runtime: Runtime, jobs: BackgroundJobs) -> None:
    tenant_id = uuid.uuid4()
    job_id = _enqueue(runtime, "tests.refused", args={"tenant_id": tenant_id}, tenant_id=tenant_id)
    job = wait_for_status(runtime, job_id, JobStatus.DEAD)
    assert job.last_error == f"Conflict: tenant {tenant_id} is suspended"
    assert job.tenant_id == tenant_id
    assert job.args == {"tenant_id": str(tenant_id)}


def test_a_worker_that_lost_its_lease_cannot_commit(runtime: Runtime, idle_jobs: BackgroundJobs) -> None:
    job_id = _enqueue(runtime, "tests.record")
    stalled = claim_job(runtime, job_id)
    assert stalled is not None
    assert stalled.attempt == 1
    assert claim_job(runtime, job_id) is None  # held under a live lease
    with runtime.transaction() as session:
        session.execute(update(Job).where(Job.id == job_id).values(lease_until=utcnow() - timedelta(seconds=1)))

    assert run_job(runtime, job_id) is JobStatus.SUCCEEDED  # another worker takes it over
    assert load_job(runtime, job_id).attempts == 2
    with pytest.raises(LeaseLost), runtime.transaction() as session:
        complete_job(session, stalled)
    assert marks(runtime) == 1


def test_a_job_whose_last_attempt_lost_its_worker_is_dead(runtime: Runtime, idle_jobs: BackgroundJobs) -> None:
    job_id = _enqueue(runtime, "tests.record", max_attempts=1)
    assert claim_job(runtime, job_id) is not None
    with runtime.transaction() as session:
        session.execute(update(Job).where(Job.id == job_id).values(lease_until=utcnow() - timedelta(seconds=1)))
    assert run_job(runtime, job_id) is None
    job = load_job(runtime, job_id)
    assert (job.status, job.last_error) == (JobStatus.DEAD, LEASE_EXPIRED_ERROR)


def test_arguments_are_ids_and_bad_ones_are_named_not_echoed(runtime: Runtime, idle_jobs: BackgroundJobs) -> None:
    letter = "Dear Grace, " + "x" * 300
    with runtime.transaction() as session:
        with pytest.raises(ValidationFailed) as too_long:
            enqueue(session, "tests.record", args={"body": letter})
        assert "args.body" in too_long.value.detail
        assert "Grace" not in too_long.value.detail
        with pytest.raises(ValidationFailed) as nested:
            enqueue(session, "tests.record", args={"contact": {"email": "grace@example.org"}})  # type: ignore[dict-item]
        assert "args.contact" in nested.value.detail
        assert "example.org" not in nested.value.detail
        with pytest.raises(ValidationFailed, match="run_after"):
            enqueue(session, "tests.record", args={}, run_after=utcnow().replace(tzinfo=None))
        with pytest.raises(ValidationFailed, match="max_attempts"):
            enqueue(session, "tests.record", args={}, max_attempts=0)
        with pytest.raises(UnknownJobHandler, match=r"tests\.nonexistent"):
            enqueue(session, "tests.nonexistent", args={})
        job = enqueue(session, "tests.record", args={"ids": [uuid.UUID(int=1), 2, None], "full": True})
        assert job.args == {"ids": [str(uuid.UUID(int=1)), 2, None], "full": True}


def test_a_job_scheduled_later_waits_for_its_time(runtime: Runtime, jobs: BackgroundJobs) -> None:
    job_id = _enqueue(runtime, "tests.record", run_after=utcnow() + timedelta(seconds=0.6))
    time.sleep(0.3)
    assert load_job(runtime, job_id).status == JobStatus.QUEUED
    job = wait_for_status(runtime, job_id, JobStatus.SUCCEEDED)
    assert job.started_at is not None
    assert job.started_at >= job.run_after
