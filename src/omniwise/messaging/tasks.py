"""Background jobs of the outbox: hand a slice of new messages to the worker, and send one message."""

from __future__ import annotations

import uuid

from omniwise.messaging.delivery import deliver
from omniwise.messaging.service import SEND_JOB
from omniwise.messaging.transport import mailer_for
from omniwise.worker import JobContext, enqueue, job_handler


@job_handler("messaging.dispatch", max_attempts=5, backoff_seconds=10.0)
def dispatch(ctx: JobContext, message_ids: list[str]) -> None:
    """One send job per message, so that each is sent, retried and recorded on its own."""
    for message_id in message_ids:
        enqueue(ctx.session, SEND_JOB, args={"message_id": message_id})


@job_handler("messaging.send", max_attempts=5, backoff_seconds=30.0, lease_seconds=120.0)
def send(ctx: JobContext, message_id: str) -> None:
    """Send one message; a refused or failed send is recorded on the message, not retried by the job."""
    deliver(ctx.session, ctx.runtime, message_id=uuid.UUID(message_id), mailer=mailer_for(ctx.runtime.settings))
