"""The suppression list: addresses that get no promotional message, known by a keyed hash that survives erasure."""

from __future__ import annotations

import hashlib
import hmac
import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import Actor
from omniwise.keys import KeyRing
from omniwise.kit.clock import utcnow
from omniwise.messaging.models import Suppression

KEY_LABEL = "messaging suppression list"


def normalise_address(email: str) -> str:
    """One form per mailbox as people type it: case and surrounding space do not matter."""
    return email.strip().casefold()


def address_hmac(keyring: KeyRing, email: str) -> str:
    """The keyed hash the list stores: without the platform's secret it names no one."""
    secret = keyring.platform_secret(KEY_LABEL)
    return hmac.new(secret, normalise_address(email).encode(), hashlib.sha256).hexdigest()


def is_suppressed(session: Session, *, address_key: str) -> bool:
    return session.scalar(select(Suppression.id).where(Suppression.address_hmac == address_key)) is not None


def suppress(
    session: Session,
    *,
    address_key: str,
    reason: str,
    actor: Actor,
    source_message_id: uuid.UUID | None = None,
    tenant_id: uuid.UUID | None = None,
) -> Suppression:
    """Put an address on the list (once; a second opt-out keeps the first) and audit it by ids."""
    values = {
        "id": uuid.uuid4(),
        "address_hmac": address_key,
        "reason": reason,
        "source_message_id": source_message_id,
        "created_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert(Suppression) if dialect == "postgresql" else sqlite_insert(Suppression)
    session.execute(insert.values(**values).on_conflict_do_nothing(index_elements=["address_hmac"]))
    row = session.scalars(select(Suppression).where(Suppression.address_hmac == address_key)).one()
    if row.id == values["id"]:
        record(
            session,
            AuditEntry(
                name="messaging:suppression:added",
                actor_type=actor.kind,
                actor_id=actor.id,
                tenant_id=tenant_id,
                purpose="privacy_requests",
                object_type="suppression",
                object_id=str(row.id),
                details={"reason": reason, "message_id": str(source_message_id) if source_message_id else None},
            ),
        )
    return row


def suppress_address(session: Session, keyring: KeyRing, *, email: str, reason: str, actor: Actor) -> Suppression:
    """Opt an address out of promotional messages, as a privacy request or a support agent would."""
    return suppress(session, address_key=address_hmac(keyring, email), reason=reason, actor=actor)
