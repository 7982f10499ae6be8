"""Running one job: claim it, run its handler and record success in one transaction, or retry.

A job's effect and its completion commit together, so a job whose handler committed is
never run again, and a job whose handler failed left nothing behind. Every step is
guarded by a conditional UPDATE on the job row, so two workers given the same job (a
duplicate message, a reconciler that re-sent it) never both run it.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from omniwise.db import after_commit
from omniwise.errors import OmniwiseError
from omniwise.kit.clock import utcnow
from omniwise.runtime import Runtime
from omniwise.worker import broker
from omniwise.worker.errors import LeaseLost
from omniwise.worker.models import Job, JobStatus
from omniwise.worker.registry import HandlerSpec, JobContext, get_handler

log = logging.getLogger("omniwise.worker")

LEASE_EXPIRED_ERROR = "WorkerLost: the lease of the last attempt expired before it finished"
DEFAULT_LEASE_SECONDS = 300.0
# a handler this process does not know may be known to a newer worker: try again later
UNKNOWN_HANDLER_RETRY_SECONDS = 300.0


@dataclass(frozen=True)
class Claim:
    """A job this worker holds: `attempt` is the fencing token its completion must match."""

    job_id: uuid.UUID
    name: str
    args: dict[str, Any]
    attempt: int
    max_attempts: int


def handle_message(job_id: str) -> None:
    """The Dramatiq actor: run the job the message names, with this process's runtime."""
    binding = broker.current()
    if binding is None:
        raise RuntimeError("a job message arrived in a process whose job machinery is not started")
    run_job(binding.runtime, uuid.UUID(job_id))


def run_job(runtime: Runtime, job_id: uuid.UUID) -> JobStatus | None:
    """Run `job_id` if it is due and nobody holds it; the status it ended in, or None if there was nothing to do."""
    claim = claim_job(runtime, job_id)
    if claim is None:
        return None
    try:
        spec = get_handler(claim.name)
        with runtime.transaction() as session:
            job = session.get(Job, claim.job_id, populate_existing=True)
            assert job is not None
            spec.fn(JobContext(session=session, runtime=runtime, job=job), **claim.args)
            complete_job(session, claim)
    except LeaseLost:
        log.warning(
            "job %s (%s) attempt %d finished after its lease was taken over; discarded",
            job_id,
            claim.name,
            claim.attempt,
        )
        return None
    except Exception as exc:
        return _record_failure(runtime, claim, exc)
    log.info("job %s (%s) succeeded on attempt %d", job_id, claim.name, claim.attempt)
    return JobStatus.SUCCEEDED


def claim_job(runtime: Runtime, job_id: uuid.UUID) -> Claim | None:
    """Take the job for one attempt (status running, a lease, one more attempt), in its own transaction."""
    early_by: float | None = None
    with runtime.transaction() as session:
        job = session.get(Job, job_id)
        if job is None:
            log.info("job %s no longer exists; message ignored", job_id)
            return None
        now = utcnow()
        status = JobStatus(job.status)
        if status in (JobStatus.SUCCEEDED, JobStatus.DEAD):
            return None
        if status is JobStatus.RUNNING:
            if job.lease_until is not None and job.lease_until > now:
                return None
            if job.attempts >= job.max_attempts:
                _fenced_update(
                    session,
                    job.id,
                    JobStatus.RUNNING,
                    job.attempts,
                    status=JobStatus.DEAD.value,
                    lease_until=None,
                    finished_at=now,
                    last_error=LEASE_EXPIRED_ERROR,
                )
                log.warning("job %s (%s) is dead: its last attempt's worker was lost", job_id, job.name)
                return None
        elif job.run_after > now:
            early_by = (job.run_after - now).total_seconds()
        if early_by is None:
            lease = _lease_seconds(job.name)
            claimed = _fenced_update(
                session,
                job.id,
                status,
                job.attempts,
                status=JobStatus.RUNNING.value,
                attempts=job.attempts + 1,
                lease_until=now + timedelta(seconds=lease),
                started_at=now,
            )
            if not claimed:
                return None
            if status is JobStatus.RUNNING:
                log.warning(
                    "job %s (%s) lost its worker during attempt %d; running it again", job_id, job.name, job.attempts
                )
            return Claim(job.id, job.name, dict(job.args or {}), job.attempts + 1, job.max_attempts)
    # a message ahead of its time (clock skew, a duplicate): one delayed message replaces it
    broker.send_job(job_id, delay_seconds=early_by)
    return None


def complete_job(session: Session, claim: Claim) -> None:
    """Mark the claimed job succeeded in the handler's transaction; refuse if the lease was taken over."""
    done = _fenced_update(
        session,
        claim.job_id,
        JobStatus.RUNNING,
        claim.attempt,
        status=JobStatus.SUCCEEDED.value,
        lease_until=None,
        finished_at=utcnow(),
        last_error=None,
    )
    if not done:
        raise LeaseLost(f"job {claim.job_id} was taken over by another worker")


def describe_error(exc: BaseException) -> str:
    """The exception's type and where it was raised; its text only if it is one of ours.

    Our errors promise messages without values; any other exception's text might quote
    personal data (a KeyError with an address in it), so only its type and place are kept.
    """
    name = type(exc).__name__
    if isinstance(exc, OmniwiseError):
        return f"{name}: {exc.detail}"[:500]
    tb = exc.__traceback__
    place = ""
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "?")
        place = f" in {module} line {tb.tb_lineno}"
        tb = tb.tb_next
    return f"{name}{place}"[:500]


def _record_failure(runtime: Runtime, claim: Claim, exc: Exception) -> JobStatus | None:
    error = describe_error(exc)
    retry = claim.attempt < claim.max_attempts
    delay = _backoff(claim.name, claim.attempt) if retry else 0.0
    with runtime.transaction() as session:
        now = utcnow()
        values: dict[str, Any] = {"lease_until": None, "last_error": error}
        if retry:
            values.update(
                status=JobStatus.FAILED_WILL_RETRY.value, run_after=now + timedelta(seconds=delay), sent_at=now
            )
        else:
            values.update(status=JobStatus.DEAD.value, finished_at=now)
        recorded = _fenced_update(session, claim.job_id, JobStatus.RUNNING, claim.attempt, **values)
        if recorded and retry:
            job_id = claim.job_id
            after_commit(session, lambda: _send_quietly(job_id, delay))
    if not recorded:
        return None
    if retry:
        log.warning(
            "job %s (%s) attempt %d of %d failed with %s; retrying in %.1fs",
            claim.job_id,
            claim.name,
            claim.attempt,
            claim.max_attempts,
            error,
            delay,
        )
        return JobStatus.FAILED_WILL_RETRY
    log.error("job %s (%s) is dead after %d attempts; last error %s", claim.job_id, claim.name, claim.attempt, error)
    return JobStatus.DEAD


def _send_quietly(job_id: uuid.UUID, delay: float) -> None:
    broker.send_job(job_id, delay_seconds=delay)


def _fenced_update(session: Session, job_id: uuid.UUID, seen: JobStatus, seen_attempts: int, **values: Any) -> bool:
    """Update one job only if it is still in the state the caller saw; whether it was."""
    statement = (
        update(Job)
        .where(Job.id == job_id, Job.status == seen.value, Job.attempts == seen_attempts)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return bool(result.rowcount == 1)


def _lease_seconds(name: str) -> float:
    try:
        return get_handler(name).lease_seconds
    except OmniwiseError:
        # unknown here: the attempt fails at once and is retried, so any lease will do
        return DEFAULT_LEASE_SECONDS


def _backoff(name: str, attempt: int) -> float:
    try:
        spec: HandlerSpec = get_handler(name)
    except OmniwiseError:
        return UNKNOWN_HANDLER_RETRY_SECONDS
    # jitter of ±25% so that jobs failed by one outage do not all return at once
    return spec.backoff(attempt) * (0.75 + secrets.randbelow(501) / 1000)
