"""SQL for published policy versions and notice acceptances."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniwise.kit.db import tenant_scoped
from omniwise.policy.models import NoticeAcceptance, PolicyVersion


def latest(session: Session) -> PolicyVersion | None:
    return session.scalars(select(PolicyVersion).order_by(PolicyVersion.version.desc()).limit(1)).first()


def get(session: Session, version: int) -> PolicyVersion | None:
    return session.get(PolicyVersion, version)


def all_versions(session: Session) -> Sequence[PolicyVersion]:
    return session.scalars(select(PolicyVersion).order_by(PolicyVersion.version.desc())).all()


def acceptances(session: Session, *, tenant_id: uuid.UUID) -> Sequence[NoticeAcceptance]:
    statement = tenant_scoped(select(NoticeAcceptance), NoticeAcceptance, tenant_id).order_by(
        NoticeAcceptance.accepted_at.desc(), NoticeAcceptance.id
    )
    return session.scalars(statement).all()


def acceptance_by(
    session: Session, *, tenant_id: uuid.UUID, version: int, actor_type: str, actor_id: str | None
) -> NoticeAcceptance | None:
    statement = tenant_scoped(select(NoticeAcceptance), NoticeAcceptance, tenant_id).where(
        NoticeAcceptance.version == version,
        NoticeAcceptance.actor_type == actor_type,
        NoticeAcceptance.actor_id == actor_id,
    )
    return session.scalars(statement).first()
