"""Driving a sync in the foreground (the command line): the jobs' steps, one transaction each, waits outside them."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from omniwise.auth.actor import Actor
from omniwise.errors import NotFound
from omniwise.runtime import Runtime
from omniwise.zendesk import repository
from omniwise.zendesk.connections import client_for
from omniwise.zendesk.errors import ZendeskError
from omniwise.zendesk.models import ZendeskSyncRun
from omniwise.zendesk.sync import StepResult, fail_run, run_step, start_run

# waits longer than this happen between transactions, so the database is never held while we sleep
MAX_WAIT_IN_STEP = 0.5


@dataclass
class Progress:
    run_id: uuid.UUID
    tickets_total: int | None
    counts: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    refusals: int = 0
    waited_seconds: float = 0.0
    stream: str | None = None
    status: str = "running"
    error: str | None = None


def sync_in_foreground(
    runtime: Runtime,
    *,
    connection_id: uuid.UUID,
    actor: Actor,
    on_progress: Callable[[Progress, StepResult | None], None] = lambda progress, step: None,
    sleep: Callable[[float], None] = time.sleep,
) -> Progress:
    """Run one sync to its end; KeyboardInterrupt leaves the run marked interrupted and its cursors where they were."""
    with runtime.transaction() as session:
        connection = repository.connection_by_id(session, connection_id=connection_id)
        if connection is None:
            raise NotFound(f"zendesk connection {connection_id} does not exist")
        run = start_run(session, actor=actor, connection=connection, mode="foreground")
        client = client_for(session, runtime.keyring, runtime.settings, connection)
        try:
            total: int | None = client.ticket_count()
        except ZendeskError:
            total = None
        finally:
            client.close()
        progress = Progress(run_id=run.id, tickets_total=total, requests=1)
    on_progress(progress, None)
    try:
        while progress.status == "running":
            step = _one_step(runtime, connection_id, progress, actor)
            on_progress(progress, step)
            if step is not None and step.deferred_for:
                progress.waited_seconds += step.deferred_for
                sleep(step.deferred_for)
    except KeyboardInterrupt:
        _mark(runtime, connection_id, progress, "interrupted", "stopped from the command line; run it again to resume")
        raise
    return progress


def _one_step(runtime: Runtime, connection_id: uuid.UUID, progress: Progress, actor: Actor) -> StepResult | None:
    with runtime.transaction() as session:
        connection = repository.connection_by_id(session, connection_id=connection_id)
        run = (
            repository.get_run(session, tenant_id=connection.tenant_id, run_id=progress.run_id) if connection else None
        )
        if connection is None or run is None or run.status != "running":
            progress.status = "interrupted" if run is None else run.status
            return None
        try:
            client = client_for(session, runtime.keyring, runtime.settings, connection, defer_after=MAX_WAIT_IN_STEP)
        except ZendeskError as exc:
            _failed(session, run, actor, progress, exc)
            return None
        try:
            step = run_step(session, runtime.keyring, client, connection=connection, run=run, actor=actor)
        except ZendeskError as exc:
            _failed(session, run, actor, progress, exc)
            return None
        finally:
            run.requests += client.stats.requests
            progress.requests += client.stats.requests
            progress.refusals += client.stats.refusals
            client.close()
        for key, value in step.counts.items():
            progress.counts[key] = progress.counts.get(key, 0) + value
        progress.stream = step.stream
        if step.finished:
            progress.status = "succeeded"
        return step


def _failed(session: Session, run: ZendeskSyncRun, actor: Actor, progress: Progress, exc: ZendeskError) -> None:
    fail_run(session, run=run, actor=actor, error=f"{type(exc).__name__}: {exc.detail}")
    progress.status, progress.error = "failed", exc.detail


def _mark(runtime: Runtime, connection_id: uuid.UUID, progress: Progress, status: str, error: str) -> None:
    with runtime.transaction() as session:
        connection = repository.connection_by_id(session, connection_id=connection_id)
        run = (
            repository.get_run(session, tenant_id=connection.tenant_id, run_id=progress.run_id) if connection else None
        )
        if run is not None and run.status == "running":
            run.status, run.error = status, error
    progress.status = status
