"""Jobs of privacy requests: one per workflow step, clearing a closed request's address, the daily deadline watch."""

from __future__ import annotations

import uuid
from datetime import date, time

from sqlalchemy import select

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import SYSTEM
from omniwise.errors import Conflict
from omniwise.kit.clock import utcnow
from omniwise.policy.purposes import Purpose
from omniwise.privacy import closing, notices, steps
from omniwise.privacy.models import PrivacyRequest
from omniwise.privacy.service import due_soon_and_overdue
from omniwise.privacy.workflow import STEP_JOB
from omniwise.worker import JobContext, job_handler
from omniwise.worker.schedule import daily_job

# a step talks to Zendesk and Stripe, which may be down for a while: retries spread over hours
STEP_ATTEMPTS = 8


@job_handler(STEP_JOB, max_attempts=STEP_ATTEMPTS, backoff_seconds=5.0, max_backoff_seconds=1800.0, lease_seconds=900.0)
def run_step(ctx: JobContext, step_id: str) -> None:
    steps.run_step(
        ctx.session,
        ctx.runtime,
        step_id=uuid.UUID(step_id),
        attempt=ctx.job.attempts,
        last_attempt=ctx.job.attempts >= ctx.job.max_attempts,
    )


@job_handler(closing.FORGET_JOB, max_attempts=20, backoff_seconds=60.0, max_backoff_seconds=3600.0)
def forget_address(ctx: JobContext, request_id: str) -> None:
    """Clear a closed request's address once its last message has left; until then, try again later."""
    request = ctx.session.get(PrivacyRequest, uuid.UUID(request_id))
    if request is None or request.email_ct is None:
        return
    if not closing.forget_address(ctx.session, request):
        raise Conflict(f"privacy request {request_id}: its last message has not left yet")


@daily_job("privacy.deadline_watch", at=time(7, 0), max_attempts=3, backoff_seconds=300.0)
def deadline_watch(ctx: JobContext, day: date) -> None:
    """Raise requests due within seven days and overdue ones to privacy officers (references only)."""
    session = ctx.session
    due_soon, overdue = due_soon_and_overdue(session, now=utcnow())
    # addresses of closed requests whose clearing job gave up are cleared here
    for request in session.scalars(
        select(PrivacyRequest).where(PrivacyRequest.closed_at.is_not(None), PrivacyRequest.email_ct.is_not(None))
    ):
        closing.forget_address(session, request)
    if not due_soon and not overdue:
        return
    params = {"overdue": [r.reference for r in overdue][:50], "due_soon": [r.reference for r in due_soon][:50]}
    sent = notices.to_users(
        session,
        notices.privacy_officers(session),
        template="privacy_deadlines",
        params=params,
        actor=SYSTEM,
        key=f"deadlines:{day.isoformat()}",
    )
    now = utcnow()
    for request in [*due_soon, *overdue]:
        request.last_raised_at = now
    record(
        session,
        AuditEntry(
            name="privacy:deadlines:raised",
            actor_type=SYSTEM.kind,
            actor_id=SYSTEM.id,
            purpose=Purpose.PRIVACY_REQUESTS.value,
            object_type="privacy_requests",
            object_id=day.isoformat(),
            details={
                "due_soon": [str(r.id) for r in due_soon][:100],
                "overdue": [str(r.id) for r in overdue][:100],
                "messages": sent,
            },
        ),
    )
