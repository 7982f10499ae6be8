"""Daily jobs: a job per date, keyed by that date, that queues the next date's job when it succeeds.

    @daily_job("retention.sweep", at=time(2, 0))
    def sweep(ctx: JobContext, day: date) -> None: ...

The key `retention.sweep:2026-11-28` makes each date's job unique, so any number of
processes may schedule it. The chain is kept by the job itself (the next date is queued in
the same transaction as this date's success) and mended by `ensure_daily_jobs`, which the
process that reconciles calls at start and on every pass: it queues today's job if none
exists yet (a first start, or a day missed while nothing ran), else tomorrow's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniwise.kit.clock import utcnow
from omniwise.worker.models import Job
from omniwise.worker.registry import JobContext, job_handler, load_handlers
from omniwise.worker.service import enqueue

log = logging.getLogger("omniwise.worker.schedule")

DailyFn = Callable[[JobContext, date], None]
F = TypeVar("F", bound=DailyFn)


@dataclass(frozen=True)
class DailyJob:
    name: str
    at: time  # UTC

    def key(self, day: date) -> str:
        return f"{self.name}:{day.isoformat()}"

    def due(self, day: date) -> datetime:
        return datetime.combine(day, self.at, tzinfo=UTC)


_daily: dict[str, DailyJob] = {}


def daily_job(name: str, *, at: time, **handler_options: float) -> Callable[[F], F]:
    """Register `fn(ctx, day)` as a job run once a day at `at` (UTC), for that day."""
    if at.tzinfo is not None:
        raise ValueError(f"daily job {name!r}: give `at` as a naive UTC time")
    spec = DailyJob(name, at)

    def register(fn: F) -> F:
        def run(ctx: JobContext, day: str) -> None:
            today = date.fromisoformat(day)
            fn(ctx, today)
            schedule(ctx.session, spec, today + timedelta(days=1))

        run.__name__ = run.__qualname__ = fn.__name__
        run.__doc__ = fn.__doc__
        job_handler(name, **handler_options)(run)  # type: ignore[arg-type]
        _daily[name] = spec
        return fn

    return register


def schedule(session: Session, spec: DailyJob, day: date) -> Job:
    return enqueue(session, spec.name, args={"day": day.isoformat()}, key=spec.key(day), run_after=spec.due(day))


def daily_jobs() -> list[DailyJob]:
    load_handlers()
    return sorted(_daily.values(), key=lambda d: d.name)


def ensure_daily_jobs(session: Session, *, now: datetime | None = None) -> list[str]:
    """Queue whichever of today's or tomorrow's job is missing; the keys it queued."""
    moment = now or utcnow()
    today = moment.date()
    queued = []
    for spec in daily_jobs():
        day = today
        if session.scalar(select(Job.id).where(Job.idempotency_key == spec.key(today))) is not None:
            day = today + timedelta(days=1)
            if session.scalar(select(Job.id).where(Job.idempotency_key == spec.key(day))) is not None:
                continue
        schedule(session, spec, day)
        queued.append(spec.key(day))
    if queued:
        log.info("scheduled daily job(s) %s", ", ".join(queued))
    return queued
