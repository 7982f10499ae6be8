"""Background jobs of the audit chain."""

from __future__ import annotations

import logging

from omniwise.audit.models import AuditVerification
from omniwise.audit.verify import verify_chain
from omniwise.worker import JobContext, job_handler

log = logging.getLogger("omniwise.audit")


@job_handler("audit.verify_chain", max_attempts=3, backoff_seconds=30.0, lease_seconds=1800.0)
def verify_chain_job(ctx: JobContext) -> None:
    """Verify the whole chain against its anchor and store the outcome for the security checks."""
    result = verify_chain(ctx.session, ctx.runtime.anchor_sink)
    ctx.session.add(
        AuditVerification(
            ok=result.ok,
            events_checked=result.events_checked,
            first_bad_seq=result.first_bad_seq,
            reason=result.reason[:300] if result.reason else None,
        )
    )
    if not result.ok:
        log.error("audit chain verification failed at event %s", result.first_bad_seq)
