"""Legal holds and the record every retention run leaves (the heartbeat the security checks read)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from omniwise.kit.clock import utcnow
from omniwise.kit.db import Base, UTCDateTime

Count = BigInteger().with_variant(Integer, "sqlite")


class LegalHold(Base):
    """Keeps records past their period: those of one tenant, one person, or a whole category.

    `subject_id` is deliberately not a foreign key to `data_subjects`: a hold is not the
    person's data, so erasing the person must not erase the hold that kept them.
    """

    __tablename__ = "legal_holds"
    __table_args__ = (
        CheckConstraint("scope IN ('tenant', 'subject', 'category')", name="scope"),
        Index("ix_legal_holds_released_at_ends_at", "released_at", "ends_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    scope: Mapped[str] = mapped_column(String(16))
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    category: Mapped[str | None] = mapped_column(String(64))
    # why the records are kept (a case reference, an authority's request); shown to staff, never logged or audited
    reason: Mapped[str] = mapped_column(Text)
    set_by_type: Mapped[str] = mapped_column(String(32))
    set_by_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_by_type: Mapped[str | None] = mapped_column(String(32))
    released_by_id: Mapped[str | None] = mapped_column(String(64))

    def active_at(self, moment: datetime) -> bool:
        return self.released_at is None and self.created_at <= moment < self.ends_at


class RetentionRun(Base):
    """One sweep over every retention rule of the policy, by hand or by the daily job."""

    __tablename__ = "retention_runs"
    __table_args__ = (CheckConstraint("status IN ('running', 'completed', 'failed')", name="status"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    dry_run: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_by: Mapped[str] = mapped_column(String(16))  # cli, job, api
    actor_type: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    policy_sha256: Mapped[str] = mapped_column(String(64))
    # the moment every period is counted back from; reruns of an interrupted run use their own
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(String(500))

    categories: Mapped[list[RetentionRunCategory]] = relationship(
        back_populates="run", order_by="RetentionRunCategory.position", cascade="all, delete-orphan"
    )


class RetentionRunCategory(Base):
    """What one rule (a category's period, or one of its exceptions) did in one run, per sweeper."""

    __tablename__ = "retention_run_categories"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("retention_runs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(64))
    exception: Mapped[str | None] = mapped_column(String(64))
    sweeper: Mapped[str | None] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(32))
    trigger: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(16))
    cutoff: Mapped[datetime | None] = mapped_column(UTCDateTime())
    candidates: Mapped[int] = mapped_column(Count, default=0)
    deleted: Mapped[int] = mapped_column(Count, default=0)
    anonymised: Mapped[int] = mapped_column(Count, default=0)
    skipped_by_hold: Mapped[int] = mapped_column(Count, default=0)
    errors: Mapped[int] = mapped_column(Count, default=0)
    # why nothing, or not everything, was done: a hold, no sweeper for the rule, an error's type
    note: Mapped[str | None] = mapped_column(String(500))

    run: Mapped[RetentionRun] = relationship(back_populates="categories")
    holds: Mapped[list[RetentionRunHold]] = relationship(cascade="all, delete-orphan", lazy="selectin")


class RetentionRunHold(Base):
    """How many of a rule's expired rows one legal hold kept in one run: the "why" of a skip."""

    __tablename__ = "retention_run_holds"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    run_category_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("retention_run_categories.id", ondelete="CASCADE"), index=True
    )
    hold_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("legal_holds.id", ondelete="CASCADE"), index=True)
    rows: Mapped[int] = mapped_column(Count)
