"""The `jobs` table: the durable state of every background job. Ids only, never personal data."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from omniwise.kit.clock import utcnow
from omniwise.kit.db import Base, UTCDateTime


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED_WILL_RETRY = "failed-will-retry"
    DEAD = "dead"


# a job in one of these states still has work to do; a message for any other state is a no-op
RUNNABLE = (JobStatus.QUEUED, JobStatus.FAILED_WILL_RETRY)


class Job(Base):
    """One unit of background work.

    `attempts` counts claims: each claim increments it, and the runner finishes a job only
    if the count is still the one it claimed with, so a worker that lost its lease cannot
    commit over the worker that took the job from it.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed-will-retry', 'dead')", name="status"),
        CheckConstraint("max_attempts >= 1", name="max_attempts"),
        Index("ix_jobs_status_run_after", "status", "run_after"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(120), info={"personal": False})  # the handler's name
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(24), default=JobStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # when a message was last sent for it: the reconciler re-sends at most once per grace period
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
