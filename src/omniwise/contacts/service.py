"""Rules for contacts: encrypted under each person's key, found by blind index, audited."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.contacts import repository
from omniwise.contacts.models import Contact
from omniwise.contacts.schemas import ContactCreate, ContactRead, ContactUpdate
from omniwise.errors import Conflict, NotFound, ValidationFailed
from omniwise.keys import KeyRing
from omniwise.kit.crypto import FieldCipher, blind_index
from omniwise.kit.pagination import Page, decode_cursor, encode_cursor
from omniwise.policy.binding import policy_for
from omniwise.policy.enforcement import require_purpose
from omniwise.policy.purposes import Purpose
from omniwise.subjects.service import ErasureReport, create_subject, erase_subject
from omniwise.tenants.models import Tenant
from omniwise.tenants.service import require

TABLE = "contacts"
FIELDS = ("name", "email", "phone", "job_title")
CATEGORY = "contact_information"


def _check_purpose(session: Session, actor: Actor, tenant: Tenant, purpose: Purpose) -> None:
    """Every read or write of a contact names its purpose; the privacy policy may refuse it."""
    require_purpose(session, policy_for(session), category=CATEGORY, purpose=purpose, actor=actor, tenant_id=tenant.id)


def _email_key(email: str) -> str:
    return email.casefold()


def _audit(
    session: Session,
    actor: Actor,
    contact: Contact,
    action: str,
    purpose: Purpose,
    details: dict[str, object] | None = None,
) -> None:
    record(
        session,
        AuditEntry(
            name=f"contacts:contact:{action}",
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=contact.tenant_id,
            purpose=purpose.value,
            object_type="contact",
            object_id=str(contact.id),
            subject_id=contact.subject_id,
            details=dict(details or {}),
        ),
    )


def _seal(cipher: FieldCipher, contact: Contact, field: str, value: str | None) -> bytes | None:
    return cipher.seal_optional(value, table=TABLE, column=field, row_id=contact.id)


def _open(cipher: FieldCipher, contact: Contact, field: str) -> str | None:
    return cipher.open_optional(getattr(contact, f"{field}_ct"), table=TABLE, column=field, row_id=contact.id)


def to_read(keyring: KeyRing, contact: Contact) -> ContactRead:
    cipher = keyring.cipher(contact.tenant_id, contact.subject_id)
    values = {field: _open(cipher, contact, field) for field in FIELDS}
    return ContactRead(
        id=contact.id,
        tenant_id=contact.tenant_id,
        name=values["name"] or "",
        email=values["email"] or "",
        phone=values["phone"],
        job_title=values["job_title"],
        created_at=contact.created_at,
        modified_at=contact.modified_at,
    )


def _matching(keyring: KeyRing, candidates: Iterable[Contact], field: str, wanted: str) -> list[Contact]:
    """Blind-index candidates share 16 bits of an HMAC; decrypt and compare to find the real ones."""
    found = []
    for contact in candidates:
        value = _open(keyring.cipher(contact.tenant_id, contact.subject_id), contact, field)
        if value is not None and (_email_key(value) if field == "email" else value) == wanted:
            found.append(contact)
    return found


def find_by_email(session: Session, keyring: KeyRing, *, tenant_id: uuid.UUID, email: str) -> list[Contact]:
    wanted = _email_key(email)
    bidx = blind_index(keyring.index_key(tenant_id), "email", wanted)
    return _matching(keyring, repository.by_email_index(session, tenant_id=tenant_id, bidx=bidx), "email", wanted)


def find_by_phone(session: Session, keyring: KeyRing, *, tenant_id: uuid.UUID, phone: str) -> list[Contact]:
    bidx = blind_index(keyring.index_key(tenant_id), "phone", phone)
    return _matching(keyring, repository.by_phone_index(session, tenant_id=tenant_id, bidx=bidx), "phone", phone)


def create_contact(
    session: Session,
    keyring: KeyRing,
    *,
    actor: Actor,
    tenant: Tenant,
    data: ContactCreate,
    purpose: Purpose = Purpose.SERVICE_PROVISION,
) -> ContactRead:
    require(actor, Permission.CONTACTS_WRITE)
    _check_purpose(session, actor, tenant, purpose)
    if find_by_email(session, keyring, tenant_id=tenant.id, email=data.email):
        raise Conflict("email: this business already has a contact with that address")
    subject, cipher = create_subject(session, keyring, tenant_id=tenant.id, kind="contact")
    contact = Contact(id=uuid.uuid4(), tenant_id=tenant.id, subject_id=subject.id)
    index_key = keyring.index_key(tenant.id)
    contact.name_ct = cipher.seal(data.name, table=TABLE, column="name", row_id=contact.id)
    contact.email_ct = cipher.seal(data.email, table=TABLE, column="email", row_id=contact.id)
    contact.phone_ct = _seal(cipher, contact, "phone", data.phone)
    contact.job_title_ct = _seal(cipher, contact, "job_title", data.job_title)
    contact.email_bidx = blind_index(index_key, "email", _email_key(data.email))
    contact.phone_bidx = blind_index(index_key, "phone", data.phone) if data.phone else None
    session.add(contact)
    session.flush()
    _audit(session, actor, contact, "created", purpose, {"fields": [f for f in FIELDS if getattr(data, f) is not None]})
    return to_read(keyring, contact)


def _get(session: Session, tenant: Tenant, contact_id: uuid.UUID) -> Contact:
    contact = repository.get(session, tenant_id=tenant.id, contact_id=contact_id)
    if contact is None:
        raise NotFound(f"contact {contact_id} does not exist")
    return contact


def read_contact(
    session: Session,
    keyring: KeyRing,
    *,
    actor: Actor,
    tenant: Tenant,
    contact_id: uuid.UUID,
    purpose: Purpose = Purpose.SERVICE_PROVISION,
) -> ContactRead:
    require(actor, Permission.CONTACTS_READ)
    _check_purpose(session, actor, tenant, purpose)
    contact = _get(session, tenant, contact_id)
    _audit(session, actor, contact, "read", purpose)
    return to_read(keyring, contact)


def search_contacts(
    session: Session,
    keyring: KeyRing,
    *,
    actor: Actor,
    tenant: Tenant,
    email: str | None,
    phone: str | None,
    cursor: str | None,
    limit: int,
    purpose: Purpose = Purpose.SERVICE_PROVISION,
) -> Page[ContactRead]:
    """List a tenant's contacts, or find them by exact email or phone."""
    require(actor, Permission.CONTACTS_READ)
    _check_purpose(session, actor, tenant, purpose)
    next_cursor = None
    if email is not None or phone is not None:
        rows = find_by_email(session, keyring, tenant_id=tenant.id, email=email) if email is not None else []
        if phone is not None:
            by_phone = find_by_phone(session, keyring, tenant_id=tenant.id, phone=phone)
            rows = [c for c in rows if c in by_phone] if email is not None else by_phone
    else:
        rows = list(repository.list_page(session, tenant_id=tenant.id, after=decode_cursor(cursor), limit=limit + 1))
        if len(rows) > limit:
            rows, next_cursor = rows[:limit], encode_cursor(rows[limit - 1].id)
    for contact in rows:
        _audit(session, actor, contact, "read", purpose, {"via": "search" if email or phone else "list"})
    return Page(items=[to_read(keyring, c) for c in rows], next_cursor=next_cursor)


def update_contact(
    session: Session,
    keyring: KeyRing,
    *,
    actor: Actor,
    tenant: Tenant,
    contact_id: uuid.UUID,
    data: ContactUpdate,
    purpose: Purpose = Purpose.SERVICE_PROVISION,
) -> ContactRead:
    require(actor, Permission.CONTACTS_WRITE)
    _check_purpose(session, actor, tenant, purpose)
    contact = _get(session, tenant, contact_id)
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "email"):
        if required in changes and changes[required] is None:
            raise_validation(required)
    if changes.get("email") is not None:
        others = [
            c
            for c in find_by_email(session, keyring, tenant_id=tenant.id, email=changes["email"])
            if c.id != contact.id
        ]
        if others:
            raise Conflict("email: this business already has a contact with that address")
    cipher = keyring.cipher(contact.tenant_id, contact.subject_id)
    index_key = keyring.index_key(tenant.id)
    for field, value in changes.items():
        setattr(contact, f"{field}_ct", _seal(cipher, contact, field, value))
        if field == "email":
            contact.email_bidx = blind_index(index_key, "email", _email_key(value))
        if field == "phone":
            contact.phone_bidx = blind_index(index_key, "phone", value) if value else None
    session.flush()
    _audit(session, actor, contact, "updated", purpose, {"fields": sorted(changes)})
    return to_read(keyring, contact)


def raise_validation(field: str) -> None:
    raise ValidationFailed(f"{field}: may not be removed, only changed")


def delete_contact(
    session: Session,
    keyring: KeyRing,
    *,
    actor: Actor,
    tenant: Tenant,
    contact_id: uuid.UUID,
    purpose: Purpose = Purpose.SERVICE_PROVISION,
) -> ErasureReport:
    """Deleting a contact erases the person: key destroyed, rows and indexes deleted."""
    require(actor, Permission.CONTACTS_WRITE)
    _check_purpose(session, actor, tenant, purpose)
    contact = _get(session, tenant, contact_id)
    _audit(session, actor, contact, "deleted", purpose)
    return erase_subject(
        session, keyring, tenant_id=tenant.id, subject_id=contact.subject_id, actor=actor, purpose=purpose.value
    )
