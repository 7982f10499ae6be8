"""Who a message goes to: kinds of recipient, the category of their address, reading it at send time."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from omniwise.auth.actor import SYSTEM
from omniwise.contacts import service as contacts
from omniwise.errors import NotFound, ValidationFailed
from omniwise.keys import KeyRing
from omniwise.policy.purposes import Purpose
from omniwise.tenants.models import Tenant


@dataclass(frozen=True)
class Address:
    """A recipient's address and name, decrypted for one send and never stored."""

    email: str
    name: str | None


Reader = Callable[[Session, KeyRing, Tenant | None, uuid.UUID, Purpose], Address]


@dataclass(frozen=True)
class RecipientKind:
    name: str
    category: str  # the policy category the address belongs to
    read: Reader
    # a platform recipient (a privacy request's requester, a member of staff) may be written
    # to with no business behind the message
    platform: bool = False


def _read_contact(
    session: Session, keyring: KeyRing, tenant: Tenant | None, contact_id: uuid.UUID, purpose: Purpose
) -> Address:
    if tenant is None:
        raise NotFound(f"contact {contact_id} has no business")
    # through the contacts service, so the read is purpose-checked and audited like any other
    contact = contacts.read_contact(
        session, keyring, actor=SYSTEM, tenant=tenant, contact_id=contact_id, purpose=purpose
    )
    return Address(contact.email, contact.name)


RECIPIENT_KINDS: dict[str, RecipientKind] = {
    "contact": RecipientKind("contact", contacts.CATEGORY, _read_contact),
}


def register_recipient_kind(kind: RecipientKind) -> None:
    """Let another domain name its own recipients (privacy requests name requesters and staff)."""
    existing = RECIPIENT_KINDS.get(kind.name)
    if existing is not None and existing.read is not kind.read:
        raise ValueError(f"recipient kind {kind.name!r} is registered twice")
    RECIPIENT_KINDS[kind.name] = kind


def recipient_kind(name: str) -> RecipientKind:
    try:
        return RECIPIENT_KINDS[name]
    except KeyError:
        raise ValidationFailed(f"recipient_type: '{name}' is not a kind of recipient") from None
