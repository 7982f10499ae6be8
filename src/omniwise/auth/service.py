"""Creating and checking API keys.

Tokens carry 256 bits of randomness, so a fast SHA-256 is enough to store them: there is
nothing to brute-force, and checking a request costs one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import SYSTEM, Actor
from omniwise.auth.models import ApiKey
from omniwise.auth.roles import TENANT_ROLES, Role
from omniwise.errors import NotFound, Unauthorized, ValidationFailed
from omniwise.kit.clock import utcnow
from omniwise.tenants.models import Tenant

TOKEN_PREFIX = "ow_"  # noqa: S105 - a public prefix, not a secret
LAST_USED_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True)
class NewApiKey:
    id: uuid.UUID
    token: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_key(
    session: Session, *, name: str, role: Role, tenant_id: uuid.UUID | None, actor: Actor = SYSTEM
) -> NewApiKey:
    """Create a key; the token is returned once and only its hash is kept."""
    if not name.strip():
        raise ValidationFailed("name: must not be empty")
    if role in TENANT_ROLES and tenant_id is None:
        raise ValidationFailed(f"role {role}: a tenant role needs --tenant")
    if role not in TENANT_ROLES and tenant_id is not None:
        raise ValidationFailed(f"role {role}: vendor staff keys are not tied to a tenant")
    if tenant_id is not None and session.get(Tenant, tenant_id) is None:
        raise NotFound(f"tenant {tenant_id} does not exist")
    secret = secrets.token_urlsafe(32)
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{secret}"
    key = ApiKey(name=name.strip(), role=role.value, tenant_id=tenant_id, prefix=prefix, token_hash=hash_token(token))
    session.add(key)
    session.flush()
    record(
        session,
        AuditEntry(
            name="auth:apikey:created",
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=tenant_id,
            purpose="security",
            object_type="api_key",
            object_id=str(key.id),
            details={"role": role.value},
        ),
    )
    return NewApiKey(key.id, token)


def authenticate_token(session: Session, token: str) -> Actor:
    if not token.startswith(TOKEN_PREFIX):
        raise Unauthorized("the bearer token is not an Omni Wise API key")
    key = session.scalars(select(ApiKey).where(ApiKey.token_hash == hash_token(token))).one_or_none()
    if key is None or key.revoked_at is not None:
        raise Unauthorized("the API key is unknown or revoked")
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        key.last_used_at = now
    return Actor(kind="api_key", id=str(key.id), role=Role(key.role), tenant_id=key.tenant_id)


def revoke_api_key(session: Session, *, key_id: uuid.UUID, actor: Actor = SYSTEM) -> None:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"API key {key_id} does not exist")
    key.revoked_at = utcnow()
    record(
        session,
        AuditEntry(
            name="auth:apikey:revoked",
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=key.tenant_id,
            purpose="security",
            object_type="api_key",
            object_id=str(key.id),
        ),
    )
