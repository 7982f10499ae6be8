"""Job handlers that exist only for the tests: each leaves a row behind, so its effect can be counted."""

from __future__ import annotations

from omniwise.audit.models import AuditVerification
from omniwise.errors import Conflict
from omniwise.worker import JobContext, job_handler


def _leave_mark(ctx: JobContext, marker: int) -> None:
    # an audit_verifications row stands in for any effect a job has on the database
    ctx.session.add(AuditVerification(ok=False, events_checked=marker, first_bad_seq=ctx.job.attempts, reason="test"))
    ctx.session.flush()


@job_handler("tests.record", max_attempts=3, backoff_seconds=0.01)
def record_handler(ctx: JobContext, marker: int = 7) -> None:
    _leave_mark(ctx, marker)


@job_handler("tests.flaky", max_attempts=4, backoff_seconds=0.01, max_backoff_seconds=0.05)
def flaky_handler(ctx: JobContext, succeed_on: int, marker: int = 11) -> None:
    """Leaves its mark, then fails until attempt `succeed_on`: the failed attempts' marks must not survive."""
    _leave_mark(ctx, marker)
    if ctx.job.attempts < succeed_on:
        raise ValueError("grace.hopper@example.org could not be reached")


@job_handler("tests.always_fails", max_attempts=3, backoff_seconds=0.01, max_backoff_seconds=0.02)
def always_fails_handler(ctx: JobContext) -> None:
    _leave_mark(ctx, 13)
    raise KeyError("grace.hopper@example.org")


@job_handler("tests.refused", max_attempts=1)
def refused_handler(ctx: JobContext, tenant_id: str) -> None:
    raise Conflict(f"tenant {tenant_id} is suspended")
