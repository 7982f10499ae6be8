"""A business's contacts and promotional mail (notice 7b): whether each is opted out, and opting one out.

The opt-out is the suppression list's, the same a one-click unsubscribe link adds to: a
keyed hash of the address, with no link to the person, so it outlives the contact's
erasure. Reading the address to hash it serves the person's right, and is audited so.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.contacts import service as contacts
from omniwise.contacts.schemas import ContactRead
from omniwise.keys import KeyRing
from omniwise.kit.pagination import Page
from omniwise.messaging.suppression import address_hmac, is_suppressed, suppress
from omniwise.policy.purposes import Purpose
from omniwise.tenants.models import Tenant
from omniwise.tenants.service import require

REASON = "opted_out_by_business"


@dataclass(frozen=True)
class ContactOptOut:
    contact: ContactRead
    opted_out: bool


def contact_opt_outs(
    session: Session, keyring: KeyRing, *, actor: Actor, tenant: Tenant, cursor: str | None, limit: int
) -> Page[ContactOptOut]:
    """A page of the business's contacts, each with whether promotional mail to them is stopped."""
    page = contacts.search_contacts(
        session,
        keyring,
        actor=actor,
        tenant=tenant,
        email=None,
        phone=None,
        cursor=cursor,
        limit=limit,
        purpose=Purpose.PRIVACY_REQUESTS,
    )
    items = [
        ContactOptOut(contact, is_suppressed(session, address_key=address_hmac(keyring, contact.email)))
        for contact in page.items
    ]
    return Page(items=items, next_cursor=page.next_cursor)


def opt_out_contact(
    session: Session, keyring: KeyRing, *, actor: Actor, tenant: Tenant, contact_id: uuid.UUID
) -> ContactOptOut:
    """Stop promotional mail to one of the business's contacts; opting out twice keeps the first."""
    require(actor, Permission.CONTACTS_WRITE)
    contact = contacts.read_contact(
        session, keyring, actor=actor, tenant=tenant, contact_id=contact_id, purpose=Purpose.PRIVACY_REQUESTS
    )
    suppress(session, address_key=address_hmac(keyring, contact.email), reason=REASON, actor=actor, tenant_id=tenant.id)
    return ContactOptOut(contact, opted_out=True)
