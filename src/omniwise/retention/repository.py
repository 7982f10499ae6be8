"""SQL for legal holds and retention runs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from omniwise.retention.models import LegalHold, RetentionRun, RetentionRunCategory


def get_hold(session: Session, hold_id: uuid.UUID) -> LegalHold | None:
    return session.get(LegalHold, hold_id)


def active_holds(session: Session, *, at: datetime) -> Sequence[LegalHold]:
    stmt = (
        select(LegalHold)
        .where(LegalHold.released_at.is_(None), LegalHold.created_at <= at, LegalHold.ends_at > at)
        .order_by(LegalHold.created_at, LegalHold.id)
    )
    return session.scalars(stmt).all()


def list_holds(session: Session, *, include_ended: bool, at: datetime, limit: int) -> Sequence[LegalHold]:
    stmt = select(LegalHold).order_by(LegalHold.created_at.desc(), LegalHold.id).limit(limit)
    if not include_ended:
        stmt = stmt.where(LegalHold.released_at.is_(None), LegalHold.ends_at > at)
    return session.scalars(stmt).all()


def holds_by_id(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, LegalHold]:
    if not ids:
        return {}
    return {hold.id: hold for hold in session.scalars(select(LegalHold).where(LegalHold.id.in_(ids)))}


def get_run(session: Session, run_id: uuid.UUID) -> RetentionRun | None:
    stmt = select(RetentionRun).where(RetentionRun.id == run_id).options(selectinload(RetentionRun.categories))
    return session.scalars(stmt).one_or_none()


def list_runs(
    session: Session, *, limit: int, before: datetime | None, include_dry_runs: bool
) -> Sequence[RetentionRun]:
    stmt = (
        select(RetentionRun)
        .options(selectinload(RetentionRun.categories))
        .order_by(RetentionRun.started_at.desc(), RetentionRun.id)
        .limit(limit)
    )
    if before is not None:
        stmt = stmt.where(RetentionRun.started_at < before)
    if not include_dry_runs:
        stmt = stmt.where(RetentionRun.dry_run.is_(False))
    return session.scalars(stmt).all()


def latest_completed_run(session: Session) -> RetentionRun | None:
    stmt = (
        select(RetentionRun)
        .where(RetentionRun.status == "completed", RetentionRun.dry_run.is_(False))
        .order_by(RetentionRun.finished_at.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def run_volumes(session: Session, *, since: datetime) -> Sequence[tuple[datetime, int, int]]:
    """Each real run started since `since`: when it started, rows deleted, rows anonymised."""
    stmt = (
        select(
            RetentionRun.started_at,
            func.coalesce(func.sum(RetentionRunCategory.deleted), 0),
            func.coalesce(func.sum(RetentionRunCategory.anonymised), 0),
        )
        .outerjoin(RetentionRunCategory, RetentionRunCategory.run_id == RetentionRun.id)
        .where(RetentionRun.dry_run.is_(False), RetentionRun.started_at >= since)
        .group_by(RetentionRun.id, RetentionRun.started_at)
    )
    return [(started, int(deleted), int(anonymised)) for started, deleted, anonymised in session.execute(stmt)]


def count_active_holds(session: Session, *, at: datetime) -> int:
    stmt = (
        select(func.count())
        .select_from(LegalHold)
        .where(LegalHold.released_at.is_(None), LegalHold.created_at <= at, LegalHold.ends_at > at)
    )
    return int(session.scalar(stmt) or 0)
