"""Jobs of the Zendesk integration: one sync step at a time, and processing stored webhook events."""

from __future__ import annotations

import uuid
from datetime import timedelta

from omniwise.auth.actor import SYSTEM
from omniwise.kit.clock import utcnow
from omniwise.worker import JobContext, enqueue, job_handler
from omniwise.worker.runner import describe_error
from omniwise.zendesk import repository
from omniwise.zendesk.client import ZendeskApi
from omniwise.zendesk.connections import client_for
from omniwise.zendesk.errors import ZendeskError, ZendeskUnavailable
from omniwise.zendesk.events import process_events
from omniwise.zendesk.sync import fail_run, queue_step, run_step

# a job sleeps for a rate-limit slot at most this long; a longer wait reschedules the job instead
MAX_WAIT_IN_JOB = 2.0


@job_handler("zendesk.sync_step", max_attempts=5, backoff_seconds=10.0, lease_seconds=300.0)
def sync_step(ctx: JobContext, tenant_id: str, connection_id: str, run_id: str) -> None:
    session, runtime = ctx.session, ctx.runtime
    run = repository.get_run(session, tenant_id=uuid.UUID(tenant_id), run_id=uuid.UUID(run_id))
    connection = repository.get_connection(
        session, tenant_id=uuid.UUID(tenant_id), connection_id=uuid.UUID(connection_id)
    )
    if run is None or connection is None or run.status != "running":
        return  # stopped, taken over, or its connection is gone
    try:
        client = client_for(session, runtime.keyring, runtime.settings, connection, defer_after=MAX_WAIT_IN_JOB)
        try:
            result = run_step(session, runtime.keyring, client, connection=connection, run=run, actor=SYSTEM)
        finally:
            run.requests += client.stats.requests
            client.close()
    except ZendeskUnavailable:
        if ctx.job.attempts < ctx.job.max_attempts:
            raise  # Zendesk may be back by the next attempt
        fail_run(session, run=run, actor=SYSTEM, error="ZendeskUnavailable: no answer after every attempt")
        return
    except ZendeskError as exc:
        fail_run(session, run=run, actor=SYSTEM, error=describe_error(exc))
        return
    if not result.finished:
        queue_step(session, run, delay=result.deferred_for)


@job_handler("zendesk.process_webhooks", max_attempts=8, backoff_seconds=5.0, lease_seconds=120.0)
def process_webhooks(ctx: JobContext, tenant_id: str, connection_id: str, event_ids: list[str]) -> None:
    session, runtime = ctx.session, ctx.runtime
    connection = repository.get_connection(
        session, tenant_id=uuid.UUID(tenant_id), connection_id=uuid.UUID(connection_id)
    )
    if connection is None or connection.disconnected_at is not None:
        return  # a disconnected account's events are not applied; the retention sweep deletes them

    def client() -> ZendeskApi:
        return client_for(session, runtime.keyring, runtime.settings, connection, defer_after=MAX_WAIT_IN_JOB)

    processed = process_events(
        session,
        runtime.keyring,
        connection=connection,
        event_ids=[uuid.UUID(e) for e in event_ids],
        client_factory=client,
    )
    if processed.left:
        enqueue(
            session,
            "zendesk.process_webhooks",
            args={"tenant_id": tenant_id, "connection_id": connection_id, "event_ids": processed.left},
            tenant_id=connection.tenant_id,
            run_after=utcnow() + timedelta(seconds=processed.retry_after),
        )
