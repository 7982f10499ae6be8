"""Waiting on job state and counting in-process messages, with bounded waits."""

from __future__ import annotations

import time
import uuid

from dramatiq.brokers.stub import StubBroker
from sqlalchemy import func, select

from omniwise.audit.models import AuditVerification
from omniwise.runtime import Runtime
from omniwise.worker import Job, JobStatus
from omniwise.worker.process import BackgroundJobs


def load_job(runtime: Runtime, job_id: uuid.UUID) -> Job:
    with runtime.transaction() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job


def wait_for_status(runtime: Runtime, job_id: uuid.UUID, *statuses: JobStatus, timeout: float = 10.0) -> Job:
    wanted = {status.value for status in statuses}
    deadline = time.monotonic() + timeout
    while True:
        job = load_job(runtime, job_id)
        if job.status in wanted:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} is {job.status} after {timeout}s, not {sorted(wanted)}")
        time.sleep(0.05)


def queued_messages(machinery: BackgroundJobs) -> int:
    """Messages waiting on the in-process broker, delayed ones included."""
    broker = machinery.broker
    assert isinstance(broker, StubBroker)
    queue = machinery.settings.worker_queue
    return int(broker.queues[queue].qsize() + broker.queues[f"{queue}.DQ"].qsize())


def marks(runtime: Runtime) -> int:
    with runtime.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(AuditVerification)) or 0)
