"""The daily usage rollup, run by the job machinery just after midnight UTC for the day that ended."""

from __future__ import annotations

import logging
from datetime import date, time, timedelta

from omniwise.usage.service import roll_up_day
from omniwise.worker import JobContext
from omniwise.worker.schedule import daily_job

log = logging.getLogger("omniwise.usage")


@daily_job("usage.rollup", at=time(0, 30), max_attempts=5, backoff_seconds=300.0, lease_seconds=3600.0)
def rollup(ctx: JobContext, day: date) -> None:
    """Roll up the day before `day`: the last whole day."""
    rows = roll_up_day(ctx.session, day=day - timedelta(days=1))
    log.info("usage rollup for %s: %d row(s)", day - timedelta(days=1), rows)
