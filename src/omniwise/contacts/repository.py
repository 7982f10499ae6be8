"""SQL for contacts; every query goes through `tenant_scoped`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, load_only

from omniwise.contacts.models import Contact
from omniwise.kit.db import tenant_scoped


def get(session: Session, *, tenant_id: uuid.UUID, contact_id: uuid.UUID) -> Contact | None:
    stmt = tenant_scoped(select(Contact), Contact, tenant_id).where(Contact.id == contact_id)
    return session.scalars(stmt).one_or_none()


def by_email_index(session: Session, *, tenant_id: uuid.UUID, bidx: int) -> Sequence[Contact]:
    stmt = tenant_scoped(select(Contact), Contact, tenant_id).where(Contact.email_bidx == bidx)
    return session.scalars(stmt).all()


def by_phone_index(session: Session, *, tenant_id: uuid.UUID, bidx: int) -> Sequence[Contact]:
    stmt = tenant_scoped(select(Contact), Contact, tenant_id).where(Contact.phone_bidx == bidx)
    return session.scalars(stmt).all()


def list_page(session: Session, *, tenant_id: uuid.UUID, after: uuid.UUID | None, limit: int) -> Sequence[Contact]:
    stmt = tenant_scoped(select(Contact), Contact, tenant_id).order_by(Contact.id).limit(limit)
    if after is not None:
        stmt = stmt.where(Contact.id > after)
    return session.scalars(stmt).all()


def recipients(
    session: Session, *, tenant_id: uuid.UUID, after: uuid.UUID | None, limit: int
) -> Sequence[tuple[uuid.UUID, uuid.UUID]]:
    """(contact id, subject id) of a tenant's contacts, in pages: who to tell, without reading anyone's data."""
    stmt = (
        tenant_scoped(select(Contact), Contact, tenant_id)
        .options(load_only(Contact.id, Contact.subject_id))
        .order_by(Contact.id)
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(Contact.id > after)
    return [(contact.id, contact.subject_id) for contact in session.scalars(stmt)]


def tenants_with_contacts(session: Session) -> Sequence[uuid.UUID]:
    """Every tenant that has a contact: where a privacy request naming no business looks.

    Not scoped to a tenant by nature (it lists tenants); it reads ids only.
    """
    return session.scalars(select(Contact.tenant_id).distinct().order_by(Contact.tenant_id)).all()
