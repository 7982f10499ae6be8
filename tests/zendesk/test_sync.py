"""Syncing the sandbox account: complete, sealed, resumable, incremental, within rate limits, as jobs or by hand."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update

from omniwise.app import create_app
from omniwise.audit.models import AuditEvent
from omniwise.auth.actor import Actor
from omniwise.config import Settings
from omniwise.kit.clock import utcnow
from omniwise.runtime import build_runtime
from omniwise.sandbox.server import SandboxServer
from omniwise.subjects.models import DataSubject
from omniwise.worker import Job
from omniwise.worker.process import BackgroundJobs
from omniwise.zendesk.foreground import Progress, sync_in_foreground
from omniwise.zendesk.models import ZendeskComment, ZendeskSyncRun, ZendeskTicket, ZendeskUser
from omniwise.zendesk.sync import StepResult
from tests.cli.helpers import free_port
from tests.factories import auth
from tests.zendesk.helpers import Connected, connect, sandbox_config, wait_until

OPERATOR = Actor(kind="system", id="test", role=None)


def sync(connected: Connected, **kwargs: object) -> Progress:
    return sync_in_foreground(
        connected.runtime,
        connection_id=uuid.UUID(connected.connection_id),
        actor=OPERATOR,
        **kwargs,  # type: ignore[arg-type]
    )


def comment_calls(sandbox: SandboxServer) -> int:
    return sum(n for route, n in sandbox.sandbox.stats.by_route.items() if route.endswith("/comments.json"))


def test_a_full_sync_mirrors_the_account_sealed(connected: Connected) -> None:
    store = connected.sandbox.sandbox.store
    progress = sync(connected)
    assert progress.status == "succeeded"
    assert progress.tickets_total == len(store.tickets)
    assert progress.counts["users"] == len(store.users)
    assert progress.counts["tickets"] == len(store.tickets)
    assert progress.counts["organizations"] == len(store.organizations)
    assert progress.counts["comments"] == len(store.comments)

    ticket = max(store.tickets.values(), key=lambda t: len(t.comments))
    read = connected.client.get(f"{connected.base}/tickets/{ticket.id}", headers=auth(connected.admin))
    assert read.status_code == 200, read.text
    body = read.json()
    assert body["subject"] == ticket.subject
    assert body["description"] == ticket.description
    assert body["requester_zendesk_id"] == ticket.requester_id
    assert [c["body"] for c in body["comments"]] == [c.body for c in ticket.comments]
    assert [c["author_zendesk_id"] for c in body["comments"]] == [c.author_id for c in ticket.comments]
    requester = store.users[ticket.requester_id]
    user = connected.client.get(f"{connected.base}/users/{requester.id}", headers=auth(connected.admin))
    assert user.json()["email"] == requester.email
    assert user.json()["name"] == requester.name
    assert connected.client.get(f"{connected.base}/tickets/999999", headers=auth(connected.admin)).status_code == 404

    with connected.runtime.engine.connect() as db:
        sealed = b"".join(
            bytes(value)
            for table, column in (
                ("zendesk_users", "email_ct"),
                ("zendesk_users", "name_ct"),
                ("zendesk_tickets", "subject_ct"),
                ("zendesk_comments", "body_ct"),
            )
            for (value,) in db.execute(text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL"))
        )
    for plain in (requester.email, requester.name, ticket.subject, ticket.comments[-1].body):
        assert plain is not None
        assert plain.encode() not in sealed
    with connected.runtime.transaction() as session:
        people = session.scalar(select(func.count()).select_from(DataSubject).where(DataSubject.kind == "zendesk_user"))
        assert people == len(store.users) == session.scalar(select(func.count()).select_from(ZendeskUser))
        names = set(session.scalars(select(AuditEvent.name)))
    assert {"zendesk:sync:started", "zendesk:sync:finished", "zendesk:ticket:read", "zendesk:user:read"} <= names


def test_a_stopped_sync_resumes_where_it_stopped(connected: Connected) -> None:
    store = connected.sandbox.sandbox.store

    def stop_in_the_comments(progress: Progress, step: StepResult | None) -> None:
        if progress.counts.get("tickets_with_comments", 0) >= 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync(connected, on_progress=stop_in_the_comments)
    fetched_before = comment_calls(connected.sandbox)
    assert 5 <= fetched_before < len(store.tickets)
    with connected.runtime.transaction() as session:
        assert session.scalars(select(ZendeskSyncRun.status)).one() == "interrupted"

    resumed = sync(connected)
    assert resumed.status == "succeeded"
    # every ticket's comments were fetched exactly once across the two runs
    assert comment_calls(connected.sandbox) == len(store.tickets)
    assert resumed.counts.get("users", 0) == 0  # the users had all been stored: nothing new
    with connected.runtime.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ZendeskComment)) == len(store.comments)
        assert session.scalar(select(func.count()).select_from(ZendeskTicket)) == len(store.tickets)

    again = sync(connected)
    assert again.status == "succeeded"
    assert comment_calls(connected.sandbox) == len(store.tickets)  # nothing changed: no comment fetched


def test_a_sync_driven_elsewhere_is_not_started_twice_unless_it_died(connected: Connected) -> None:
    def stop_at_once(progress: Progress, step: StepResult | None) -> None:
        if step is not None:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync(connected, on_progress=stop_at_once)
    with connected.runtime.transaction() as session:
        session.execute(update(ZendeskSyncRun).values(status="running"))  # as if its process were still at it
    busy = connected.client.post(
        f"{connected.base}/connections/{connected.connection_id}/sync", headers=auth(connected.admin)
    )
    assert busy.status_code == 409
    with connected.runtime.transaction() as session:
        session.execute(update(ZendeskSyncRun).values(heartbeat_at=utcnow() - timedelta(minutes=10)))
    assert sync(connected).status == "succeeded"  # a run whose driver died is taken over
    with connected.runtime.transaction() as session:
        statuses = sorted(session.scalars(select(ZendeskSyncRun.status)))
    assert statuses == ["interrupted", "succeeded"]


def test_changes_since_the_last_sync_are_picked_up(connected: Connected) -> None:
    store = connected.sandbox.sandbox.store
    sync(connected)
    calls = comment_calls(connected.sandbox)
    ticket = next(iter(store.tickets.values()))
    customer = next(u for u in store.users.values() if u.role == "end-user" and u.id != ticket.requester_id)
    store.add_comment(ticket, author_id=customer.id, body="Any news on this?")
    fresh = store.add_ticket(requester=customer, subject="Printer on fire", body="It is on fire")
    store.update_user(customer, {"name": "Renamed Customer"})

    progress = sync(connected)
    assert progress.status == "succeeded"
    assert comment_calls(connected.sandbox) == calls + 2  # only the two changed tickets
    read = connected.client.get(f"{connected.base}/tickets/{ticket.id}", headers=auth(connected.admin)).json()
    assert read["comments"][-1]["body"] == "Any news on this?"
    assert read["comments"][-1]["author_zendesk_id"] == customer.id
    new = connected.client.get(f"{connected.base}/tickets/{fresh.id}", headers=auth(connected.admin)).json()
    assert new["subject"] == "Printer on fire"
    user = connected.client.get(f"{connected.base}/users/{customer.id}", headers=auth(connected.admin)).json()
    assert user["name"] == "Renamed Customer"


def test_sync_as_jobs_reports_its_status(connected: Connected, jobs: object) -> None:
    url = f"{connected.base}/connections/{connected.connection_id}/sync"
    started = connected.client.post(url, headers=auth(connected.admin))
    assert started.status_code == 202, started.text
    assert started.json()["mode"] == "job"

    def finished() -> bool:
        status = connected.client.get(url, headers=auth(connected.admin)).json()
        return bool(status["last_run"]["status"] == "succeeded")

    wait_until(finished, timeout=30)
    status = connected.client.get(url, headers=auth(connected.admin)).json()
    assert {s["stream"] for s in status["streams"]} == {"organizations", "users", "tickets"}
    assert all(s["caught_up"] and s["pending"] == 0 for s in status["streams"])
    store = connected.sandbox.sandbox.store
    assert status["last_run"]["counts"]["comments"] == len(store.comments)
    assert status["last_run"]["requests"] >= len(store.tickets)


def test_sync_keeps_within_tight_rate_limits(settings: Settings) -> None:
    """Twenty requests a second and two exports a second (a minute's limits, sixty times faster)."""
    fast_window = settings.model_copy(update={"zendesk_rate_window_seconds": 1.0})
    runtime = build_runtime(fast_window)
    config = sandbox_config(rate_limit=20, incremental_limit=2, window_seconds=1.0)
    try:
        with (
            SandboxServer(config, port=free_port()) as sandbox,
            TestClient(create_app(runtime), raise_server_exceptions=False) as client,
        ):
            connected = connect(client, runtime, sandbox, rate_limit_per_minute=20)
            started = time.monotonic()
            progress = sync(connected)
            elapsed = time.monotonic() - started
            assert progress.status == "succeeded"
            # the limiter keeps within the budget; a refusal can only come from jitter at the window's edge,
            # and its Retry-After is honoured, so no call is refused twice
            assert sandbox.sandbox.stats.refused <= 2
            assert sandbox.sandbox.stats.refused_twice == 0
            assert progress.requests > 20
            assert elapsed >= (progress.requests - 20) / 20 * 0.9  # no faster than the budget allows
    finally:
        runtime.dispose()


def test_a_job_waits_out_the_rate_limit_by_rescheduling_itself(settings: Settings) -> None:
    """Thirty requests per six seconds: the steps wait longer than a job may sleep, so they come back later.

    The window is long enough that, however slowly a loaded machine makes the first thirty
    calls, the wait for the next window is still longer than a job may sleep (two seconds).
    """
    runtime = build_runtime(settings.model_copy(update={"zendesk_rate_window_seconds": 6.0}))
    config = sandbox_config(rate_limit=30, incremental_limit=5, window_seconds=6.0)
    jobs = BackgroundJobs(runtime, consume=True, reconcile=False)
    try:
        with (
            SandboxServer(config, port=free_port()) as sandbox,
            TestClient(create_app(runtime), raise_server_exceptions=False) as client,
        ):
            connected = connect(client, runtime, sandbox, rate_limit_per_minute=30)
            jobs.start()
            url = f"{connected.base}/connections/{connected.connection_id}/sync"
            assert client.post(url, headers=auth(connected.admin)).status_code == 202

            def finished() -> bool:
                return bool(client.get(url, headers=auth(connected.admin)).json()["last_run"]["status"] == "succeeded")

            wait_until(finished, timeout=60, interval=0.2)
            assert sandbox.sandbox.stats.refused_twice == 0
            with runtime.transaction() as session:
                steps = session.scalars(select(Job).where(Job.name == "zendesk.sync_step")).all()
            assert all(step.status == "succeeded" for step in steps)
            assert any(step.run_after > step.created_at + timedelta(seconds=1) for step in steps)  # rescheduled
            store = sandbox.sandbox.store
            assert client.get(url, headers=auth(connected.admin)).json()["last_run"]["counts"]["comments"] == len(
                store.comments
            )
    finally:
        jobs.stop()
        runtime.dispose()
