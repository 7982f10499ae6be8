"""SQL for accounts and sessions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select
from sqlalchemy.orm import Session

from omniwise.kit.db import tenant_scoped
from omniwise.users.models import User, UserSession


def get(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def by_email_hmac(session: Session, email_hmac: str) -> User | None:
    return session.scalars(select(User).where(User.email_hmac == email_hmac)).one_or_none()


def list_all(session: Session, *, tenant_id: uuid.UUID | None) -> Sequence[User]:
    stmt = select(User).order_by(User.created_at, User.id)
    if tenant_id is not None:
        stmt = tenant_scoped(stmt, User, tenant_id)
    return session.scalars(stmt).all()


def session_by_token_hash(session: Session, token_hash: str) -> UserSession | None:
    return session.scalars(select(UserSession).where(UserSession.token_hash == token_hash)).one_or_none()


def sessions_of(session: Session, user_id: uuid.UUID) -> Sequence[UserSession]:
    stmt = select(UserSession).where(UserSession.user_id == user_id).order_by(UserSession.created_at.desc())
    return session.scalars(stmt).all()


def delete_sessions(session: Session, *, user_id: uuid.UUID) -> int:
    stmt = delete(UserSession).where(UserSession.user_id == user_id)
    return cast("CursorResult[Any]", session.execute(stmt)).rowcount


def delete_stale_sessions(session: Session, *, user_id: uuid.UUID, now: datetime, idle_before: datetime) -> int:
    stmt = delete(UserSession).where(
        UserSession.user_id == user_id, or_(UserSession.expires_at <= now, UserSession.last_seen_at <= idle_before)
    )
    return cast("CursorResult[Any]", session.execute(stmt)).rowcount
