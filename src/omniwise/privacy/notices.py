"""The messages of privacy requests: to the requester, to a business's admins, to privacy officers.

Every one is transactional (an opt-out of promotional mail never silences the answer to a
request) and goes through the outbox, which reads the address only when it sends. The
parameters are references, dates and paths: no address, no name. Links are paths that the
templates join to the platform's public URL (`OMNIWISE_PUBLIC_URL`) when they render.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniwise.auth.actor import Actor
from omniwise.auth.roles import Role
from omniwise.errors import NotFound
from omniwise.keys import KeyRing
from omniwise.messaging.recipients import Address, RecipientKind, register_recipient_kind
from omniwise.messaging.service import NewMessage, enqueue_many
from omniwise.policy.binding import policy_for
from omniwise.policy.purposes import Purpose
from omniwise.privacy import sealing
from omniwise.privacy.models import PrivacyRequest
from omniwise.tenants.models import Tenant
from omniwise.users.crypto import open_field
from omniwise.users.models import User

REQUESTER = "privacy_requester"
USER = "user"
ADDRESS_CATEGORY = "contact_information"


def _read_requester(
    session: Session, keyring: KeyRing, tenant: Tenant | None, request_id: uuid.UUID, purpose: Purpose
) -> Address:
    request = session.get(PrivacyRequest, request_id)
    if request is None or request.email_ct is None:
        raise NotFound(f"privacy request {request_id} has no address any more")
    return Address(sealing.open_email(keyring, request.id, request.email_ct), None)


def _read_user(
    session: Session, keyring: KeyRing, tenant: Tenant | None, user_id: uuid.UUID, purpose: Purpose
) -> Address:
    user = session.get(User, user_id)
    if user is None or user.disabled_at is not None:
        raise NotFound(f"user {user_id} not found")
    email = open_field(keyring, user, "email")
    if email is None:
        raise NotFound(f"user {user_id} has no address")
    return Address(email, open_field(keyring, user, "name"))


register_recipient_kind(RecipientKind(REQUESTER, ADDRESS_CATEGORY, _read_requester, platform=True))
register_recipient_kind(RecipientKind(USER, ADDRESS_CATEGORY, _read_user, platform=True))


def day(moment: datetime) -> str:
    return moment.date().isoformat()


def to_requester(
    session: Session, request: PrivacyRequest, *, template: str, params: Mapping[str, Any], actor: Actor, key: str
) -> None:
    """Queue one message to the request's requester (once per `key`)."""
    message = NewMessage(
        tenant_id=request.tenant_id,
        subject_id=None,
        recipient_type=REQUESTER,
        recipient_id=request.id,
        dedupe_key=f"privacy:{request.id}:{key}",
        params=params,
    )
    enqueue_many(session, policy_for(session), template=template, messages=[message], actor=actor)


def to_users(
    session: Session, users: Sequence[User], *, template: str, params: Mapping[str, Any], actor: Actor, key: str
) -> int:
    """Queue one message to each user (once per `key` and user); how many were queued."""
    messages = [
        NewMessage(
            tenant_id=user.tenant_id,
            subject_id=user.subject_id,
            recipient_type=USER,
            recipient_id=user.id,
            dedupe_key=f"privacy:{key}:{user.id}",
            params=params,
        )
        for user in users
    ]
    if not messages:
        return 0
    return len(enqueue_many(session, policy_for(session), template=template, messages=messages, actor=actor))


def tenant_admins(session: Session, tenant_id: uuid.UUID) -> list[User]:
    statement = select(User).where(
        User.tenant_id == tenant_id, User.role == Role.TENANT_ADMIN.value, User.disabled_at.is_(None)
    )
    return list(session.scalars(statement.order_by(User.id)))


def privacy_officers(session: Session) -> list[User]:
    statement = select(User).where(User.role == Role.PRIVACY_OFFICER.value, User.disabled_at.is_(None))
    return list(session.scalars(statement.order_by(User.id)))
