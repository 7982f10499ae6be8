"""The daily jobs: each date's job runs once, queues the next date's, and is re-scheduled if the chain breaks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from omniwise.retention.models import RetentionRun
from omniwise.runtime import Runtime
from omniwise.usage.models import UsageDaily
from omniwise.usage.service import record_usage
from omniwise.worker import Job, JobStatus
from omniwise.worker.process import BackgroundJobs
from omniwise.worker.schedule import daily_jobs, ensure_daily_jobs, schedule
from tests.retention.helpers import tenant
from tests.worker.helpers import wait_for_status


@pytest.fixture
def jobs(runtime: Runtime) -> Iterator[BackgroundJobs]:
    machinery = BackgroundJobs(runtime, consume=True, reconcile=False)
    machinery.start()
    yield machinery
    machinery.stop()


def _keys(runtime: Runtime) -> dict[str, Job]:
    with runtime.transaction() as session:
        return {job.idempotency_key: job for job in session.scalars(select(Job)) if job.idempotency_key}


def test_ensure_queues_today_then_tomorrow_then_nothing(runtime: Runtime) -> None:
    day = datetime.now(UTC).date() + timedelta(days=2)  # a day ahead, so its 02:00 is still to come
    now = datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=1)
    assert {d.name for d in daily_jobs()} >= {"retention.sweep", "usage.rollup"}
    with runtime.transaction() as session:
        first = ensure_daily_jobs(session, now=now)
        second = ensure_daily_jobs(session, now=now)
        third = ensure_daily_jobs(session, now=now)
    assert f"retention.sweep:{day}" in first
    assert f"retention.sweep:{day + timedelta(days=1)}" in second
    assert not [k for k in third if k.startswith(("retention.", "usage."))]
    jobs = _keys(runtime)
    assert jobs[f"retention.sweep:{day}"].run_after == now + timedelta(hours=1)
    assert jobs[f"retention.sweep:{day + timedelta(days=1)}"].args == {"day": str(day + timedelta(days=1))}


def test_the_sweep_job_runs_and_queues_the_next_day(runtime: Runtime, jobs: BackgroundJobs) -> None:
    spec = next(d for d in daily_jobs() if d.name == "retention.sweep")
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    with runtime.transaction() as session:
        job_id = schedule(session, spec, yesterday).id
    wait_for_status(runtime, job_id, JobStatus.SUCCEEDED, timeout=30)
    with runtime.transaction() as session:
        run = session.scalars(select(RetentionRun).where(RetentionRun.started_by == "job")).first()
        assert run is not None
        assert (run.status, run.dry_run, run.actor_type) == ("completed", False, "system")
    assert spec.key(yesterday + timedelta(days=1)) in _keys(runtime)


def test_the_rollup_job_counts_the_day_before(runtime: Runtime, jobs: BackgroundJobs) -> None:
    spec = next(d for d in daily_jobs() if d.name == "usage.rollup")
    owner = tenant(runtime, "Acme Ltd")
    # yesterday's job is due whatever the time of day now; it counts the day before it
    today = datetime.now(UTC).date() - timedelta(days=1)
    yesterday_noon = datetime.combine(today - timedelta(days=1), datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    with runtime.transaction() as session:
        for outcome in ("2xx", "2xx", "5xx"):
            record_usage(
                session,
                feature="GET /x",
                outcome=outcome,
                tenant_id=owner,
                actor_type="api_key",
                actor_id="k",
                at=yesterday_noon,
            )
        job_id = schedule(session, spec, today).id
    wait_for_status(runtime, job_id, JobStatus.SUCCEEDED, timeout=30)
    with runtime.transaction() as session:
        rows = session.scalars(select(UsageDaily)).all()
        assert [(r.tenant_id, r.day, r.feature, r.count, r.errors) for r in rows] == [
            (owner, today - timedelta(days=1), "GET /x", 3, 1)
        ]
