"""Rules for accounts: who may have one, how it is created, shown and disabled."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import SYSTEM, Actor
from omniwise.auth.roles import TENANT_ROLES, Role
from omniwise.config import Settings
from omniwise.errors import Conflict, NotFound, ValidationFailed
from omniwise.keys import KeyRing
from omniwise.kit.clock import utcnow
from omniwise.subjects.service import create_subject, erase_subject
from omniwise.tenants.models import Tenant
from omniwise.users import crypto, passwords, repository
from omniwise.users.models import User
from omniwise.users.schemas import UserCorrection, UserCreate, UserView


def audit(session: Session, actor: Actor, user: User, action: str, *, subject: str = "user", **details: object) -> None:
    record(
        session,
        AuditEntry(
            name=f"auth:{subject}:{action}",
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=user.tenant_id,
            purpose="security",
            object_type="user",
            object_id=str(user.id),
            subject_id=user.subject_id,
            details=dict(details),
        ),
    )


def actor_for(user: User) -> Actor:
    """A signed-in person acts through the same services, and is held to the same permissions, as an API key."""
    return Actor(kind="user", id=str(user.id), role=Role(user.role), tenant_id=user.tenant_id)


def create_user(
    session: Session,
    keyring: KeyRing,
    *,
    settings: Settings,
    data: UserCreate,
    password: str,
    actor: Actor = SYSTEM,
) -> User:
    """Create an account; vendor staff set up their second factor when they first sign in."""
    if data.role in TENANT_ROLES and data.tenant_id is None:
        raise ValidationFailed(f"tenant_id: role {data.role.value} belongs to a tenant; name one")
    if data.role not in TENANT_ROLES and data.tenant_id is not None:
        raise ValidationFailed(f"tenant_id: role {data.role.value} is vendor staff and belongs to no tenant")
    if data.tenant_id is not None and session.get(Tenant, data.tenant_id) is None:
        raise NotFound(f"tenant {data.tenant_id} does not exist")
    passwords.check_rules(password)
    email_hmac = crypto.login_hash(keyring, data.email)
    if repository.by_email_hmac(session, email_hmac) is not None:
        raise Conflict("email: an account with that address already exists")
    user = User(
        id=uuid.uuid4(),
        role=data.role.value,
        tenant_id=data.tenant_id,
        email_hmac=email_hmac,
        password_hash=passwords.hash_password(settings, password),
        failed_logins=0,
    )
    if data.tenant_id is not None:
        subject, cipher = create_subject(session, keyring, tenant_id=data.tenant_id, kind="user")
        user.subject_id = subject.id
    else:
        cipher = keyring.create_subject_key(crypto.VENDOR_SCOPE, user.id)
    user.email_ct = cipher.seal(data.email, table=crypto.TABLE, column="email", row_id=user.id)
    user.name_ct = crypto.seal(cipher, user, "name", data.name)
    session.add(user)
    session.flush()
    audit(session, actor, user, "created", role=data.role.value)
    return user


def to_view(keyring: KeyRing, user: User) -> UserView:
    return UserView(
        id=user.id,
        email=crypto.open_field(keyring, user, "email") or "",
        name=crypto.open_field(keyring, user, "name"),
        role=Role(user.role),
        tenant_id=user.tenant_id,
        second_factor=user.totp_confirmed_at is not None,
        disabled=user.disabled_at is not None,
        locked_until=user.locked_until,
        created_at=user.created_at,
    )


def list_users(session: Session, keyring: KeyRing, *, tenant_id: uuid.UUID | None = None) -> list[UserView]:
    return [to_view(keyring, user) for user in repository.list_all(session, tenant_id=tenant_id)]


def find_by_email(session: Session, keyring: KeyRing, *, email: str) -> User | None:
    """The account for an address, or None; an address that is not valid has no account."""
    try:
        email_hmac = crypto.login_hash(keyring, email)
    except ValueError:
        return None
    return repository.by_email_hmac(session, email_hmac)


def get_user(session: Session, *, user_id: uuid.UUID) -> User:
    user = repository.get(session, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


def disable_user(session: Session, *, user: User, actor: Actor = SYSTEM) -> int:
    """Disable an account and end its sessions at once; returns how many sessions ended."""
    ended = repository.delete_sessions(session, user_id=user.id)
    if user.disabled_at is None:
        user.disabled_at = utcnow()
        session.flush()
        audit(session, actor, user, "disabled", sessions_ended=ended)
    return ended


def correct_user(
    session: Session, keyring: KeyRing, *, user: User, data: UserCorrection, actor: Actor = SYSTEM
) -> list[str]:
    """Correct an account's name or sign-in address (the right to rectification); the fields changed.

    A new address gets a new sign-in hash, refused (409) if another account has it; a
    name sent as null is removed, an address never is.
    """
    changes = data.model_dump(exclude_unset=True)
    if "email" in changes and changes["email"] is None:
        raise ValidationFailed("email: may not be removed, only changed")
    cipher = crypto.cipher_for(keyring, user)
    changed = []
    if "email" in changes and changes["email"] != crypto.open_field(keyring, user, "email"):
        email_hmac = crypto.login_hash(keyring, changes["email"])
        other = repository.by_email_hmac(session, email_hmac)
        if other is not None and other.id != user.id:
            raise Conflict("email: an account with that address already exists")
        user.email_hmac = email_hmac
        user.email_ct = cipher.seal(changes["email"], table=crypto.TABLE, column="email", row_id=user.id)
        changed.append("email")
    if "name" in changes and changes["name"] != crypto.open_field(keyring, user, "name"):
        user.name_ct = crypto.seal(cipher, user, "name", changes["name"])
        changed.append("name")
    if changed:
        session.flush()
        audit(session, actor, user, "corrected", fields=changed)
    return changed


@dataclass(frozen=True)
class AccountErasure:
    user_id: uuid.UUID
    sessions_ended: int
    key_destroyed: bool
    rows_deleted: int


def erase_user(session: Session, keyring: KeyRing, *, user: User, actor: Actor, purpose: str) -> AccountErasure:
    """Close an account for good: its sessions end, its key is destroyed, its row is deleted.

    A tenant user is a data subject of their tenant, erased with `erase_subject` (which
    deletes the account as one of their rows); vendor staff have a key of their own in
    the vendor scope, destroyed before their row goes.
    """
    ended = repository.delete_sessions(session, user_id=user.id)
    audit(session, actor, user, "erased", sessions_ended=ended)
    if user.tenant_id is not None and user.subject_id is not None:
        report = erase_subject(
            session, keyring, tenant_id=user.tenant_id, subject_id=user.subject_id, actor=actor, purpose=purpose
        )
        return AccountErasure(user.id, ended, report.key_destroyed, sum(report.rows_deleted.values()))
    destroyed = keyring.destroy_subject_key(user.id)
    session.delete(user)
    session.flush()
    return AccountErasure(user.id, ended, destroyed, 1)
