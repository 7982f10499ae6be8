"""Signing in: the password, then the second factor, with lockout after repeated failures.

A refused attempt is returned rather than raised: the failure count it adds must be
committed, and raising would roll it back with the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import Actor
from omniwise.auth.roles import Role
from omniwise.config import Settings
from omniwise.errors import Conflict, Forbidden, OmniwiseError, TooManyRequests, Unauthorized
from omniwise.keys import KeyRing
from omniwise.kit.clock import utcnow
from omniwise.users import crypto, passwords, totp
from omniwise.users.models import User
from omniwise.users.service import actor_for, audit, find_by_email
from omniwise.users.sessions import ENROL, FULL, VERIFY, Started, start_session

WRONG_PASSWORD = "password: the email address and password do not match an account"  # noqa: S105 - a message
WRONG_CODE = "code: that code is not right; codes change every 30 seconds, so use the newest one"


@dataclass(frozen=True)
class SignIn:
    """Either a started session or the error to show, never both."""

    started: Started | None = None
    user: User | None = None
    error: OmniwiseError | None = None


def _anonymous_refusal(session: Session, reason: str) -> None:
    record(
        session,
        AuditEntry(
            name="auth:session:refused",
            actor_type="anonymous",
            actor_id=None,
            purpose="security",
            details={"reason": reason},
        ),
    )


def _locked(user: User, settings: Settings) -> OmniwiseError | None:
    if user.locked_until is None or user.locked_until <= utcnow():
        return None
    minutes = max(1, round((user.locked_until - utcnow()).total_seconds() / 60))
    return TooManyRequests(
        f"email: too many failed attempts; this account is locked for {minutes} more minute(s)",
        headers={"Retry-After": str(minutes * 60)},
    )


def _failed(session: Session, user: User, settings: Settings, reason: str) -> None:
    """Count a failure against the account; enough of them in a row lock it for a while."""
    user.failed_logins = (user.failed_logins or 0) + 1
    audit(session, actor_for(user), user, "refused", subject="session", reason=reason)
    if user.failed_logins >= settings.login_max_failures:
        user.locked_until = utcnow() + timedelta(minutes=settings.login_lockout_minutes)
        user.failed_logins = 0
        audit(session, actor_for(user), user, "locked", minutes=settings.login_lockout_minutes)
    session.flush()


def next_stage(user: User) -> str:
    """Staff always pass a second factor (set up at first sign-in); tenant users when they chose one."""
    if user.totp_confirmed_at is not None:
        return VERIFY
    return ENROL if Role(user.role).is_vendor_staff else FULL


def sign_in(session: Session, keyring: KeyRing, *, settings: Settings, email: str, password: str) -> SignIn:
    user = find_by_email(session, keyring, email=email)
    if user is not None and user.disabled_at is None:
        locked = _locked(user, settings)
        if locked is not None:
            audit(session, actor_for(user), user, "refused", subject="session", reason="locked")
            return SignIn(error=locked)
    usable = user is not None and user.disabled_at is None
    ok, rehashed = passwords.verify_password(settings, user.password_hash if usable and user else None, password)
    if user is None or not usable:
        _anonymous_refusal(session, "unknown_or_disabled_account")
        return SignIn(error=Unauthorized(WRONG_PASSWORD))
    if not ok:
        _failed(session, user, settings, "password")
        return SignIn(error=Unauthorized(WRONG_PASSWORD))
    user.failed_logins = 0
    user.locked_until = None
    if rehashed is not None:
        user.password_hash = rehashed
    stage = next_stage(user)
    started = start_session(session, user=user, stage=stage, settings=settings)
    audit(session, actor_for(user), user, "started" if stage == FULL else "password_accepted", subject="session")
    return SignIn(started=started, user=user)


def new_totp_secret(session: Session, keyring: KeyRing, *, user: User) -> str:
    """A fresh secret for an account without a confirmed second factor; shown once, kept sealed."""
    if user.totp_confirmed_at is not None:
        raise Conflict("code: this account already has a second factor")
    secret = totp.new_secret()
    user.totp_secret_ct = crypto.seal(crypto.cipher_for(keyring, user), user, "totp_secret", secret)
    user.totp_last_counter = None
    session.flush()
    return secret


def check_code(
    session: Session, keyring: KeyRing, *, settings: Settings, user: User, code: str
) -> OmniwiseError | None:
    """None if `code` is right; a pending second factor is confirmed by its first right code."""
    locked = _locked(user, settings)
    if locked is not None:
        return locked
    secret = crypto.open_field(keyring, user, "totp_secret")
    if secret is None:
        return Conflict("code: no authenticator has been set up for this account; start again")
    counter = totp.accepted_counter(secret, code, now=utcnow(), last_counter=user.totp_last_counter)
    if counter is None:
        _failed(session, user, settings, "code")
        return Unauthorized(WRONG_CODE)
    user.totp_last_counter = counter
    user.failed_logins = 0
    if user.totp_confirmed_at is None:
        user.totp_confirmed_at = utcnow()
        audit(session, actor_for(user), user, "second_factor_enrolled")
    session.flush()
    return None


def remove_second_factor(
    session: Session, keyring: KeyRing, *, settings: Settings, user: User, code: str, actor: Actor
) -> OmniwiseError | None:
    """Tenant users may turn their second factor off, proving they hold it; staff may not."""
    if Role(user.role).is_vendor_staff:
        return Forbidden("code: vendor staff must keep a second factor")
    refused = check_code(session, keyring, settings=settings, user=user, code=code)
    if refused is not None:
        return refused
    user.totp_secret_ct = None
    user.totp_confirmed_at = None
    user.totp_last_counter = None
    session.flush()
    audit(session, actor, user, "second_factor_removed")
    return None
