"""Server-side sessions: started at sign-in, ended by timeouts, by logging out, or everywhere at once.

The cookie carries a random token; the table keeps only its SHA-256 (256 random bits leave
nothing to guess). A session ends after `session_idle_minutes` without a request and
after `session_absolute_hours` whatever happens. While the second factor is outstanding
it may live only a few minutes and opens nothing but the second-factor pages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from omniwise.auth.actor import Actor
from omniwise.config import Settings
from omniwise.kit.clock import utcnow
from omniwise.users import repository
from omniwise.users.models import User, UserSession
from omniwise.users.service import audit

FULL = "full"
ENROL = "enrol"
VERIFY = "verify"
PENDING_LIFETIME = timedelta(minutes=10)
# last_seen_at is written at most this often, so that reading pages does not write on every request
TOUCH_RESOLUTION = timedelta(seconds=60)


@dataclass(frozen=True)
class Started:
    token: str
    row: UserSession


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def idle_limit(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.session_idle_minutes)


def start_session(session: Session, *, user: User, stage: str, settings: Settings) -> Started:
    """A fresh token for every sign-in, so a token planted before sign-in is worth nothing after it."""
    now = utcnow()
    repository.delete_stale_sessions(session, user_id=user.id, now=now, idle_before=now - idle_limit(settings))
    lifetime = timedelta(hours=settings.session_absolute_hours) if stage == FULL else PENDING_LIFETIME
    token = secrets.token_urlsafe(32)
    row = UserSession(
        user_id=user.id,
        token_hash=hash_token(token),
        stage=stage,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    session.flush()
    return Started(token, row)


def promote(session: Session, *, row: UserSession, settings: Settings) -> str:
    """The second factor is done: the session becomes full under a new token, its clock restarted."""
    now = utcnow()
    token = secrets.token_urlsafe(32)
    row.token_hash = hash_token(token)
    row.stage = FULL
    row.created_at = row.last_seen_at = now
    row.expires_at = now + timedelta(hours=settings.session_absolute_hours)
    session.flush()
    return token


def resolve(session: Session, *, token: str, settings: Settings) -> tuple[UserSession, User] | None:
    """The live session a token names, with its account; None (and the row gone) once it has timed out."""
    row = repository.session_by_token_hash(session, hash_token(token))
    if row is None:
        return None
    now = utcnow()
    idle = idle_limit(settings) if row.stage == FULL else min(idle_limit(settings), PENDING_LIFETIME)
    user = repository.get(session, row.user_id)
    if user is None or user.disabled_at is not None or now >= row.expires_at or now - row.last_seen_at >= idle:
        session.delete(row)
        session.flush()
        return None
    if now - row.last_seen_at >= TOUCH_RESOLUTION:
        row.last_seen_at = now
    return row, user


def end_session(session: Session, *, row: UserSession, user: User, actor: Actor) -> None:
    session.delete(row)
    session.flush()
    audit(session, actor, user, "ended", subject="session", session_id=str(row.id))


def end_all_sessions(session: Session, *, user: User, actor: Actor) -> int:
    """Log out everywhere: every session of the account ends, this one included."""
    ended = repository.delete_sessions(session, user_id=user.id)
    audit(session, actor, user, "ended_everywhere", subject="session", sessions_ended=ended)
    return ended


def sessions_of(session: Session, *, user: User) -> list[UserSession]:
    return list(repository.sessions_of(session, user.id))


def csrf_token(seed: str) -> str:
    """The form token of a session (or of an anonymous visit): derived from its secret, never stored.

    A page on another site can make the browser send the cookie, but cannot read it, so it
    cannot compute this value.
    """
    digest = hmac.new(seed.encode(), b"omniwise csrf v1", hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def csrf_matches(seed: str, sent: str | None) -> bool:
    return sent is not None and hmac.compare_digest(csrf_token(seed), sent)
