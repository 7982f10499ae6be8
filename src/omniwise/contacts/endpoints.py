"""HTTP endpoints for a tenant's contacts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from omniwise.auth.dependencies import CurrentActor, DbSession, Keys, ScopedTenant
from omniwise.contacts import service
from omniwise.contacts.schemas import ContactCreate, ContactList, ContactRead, ContactUpdate, Email, Phone

router = APIRouter(prefix="/api/v1/tenants/{tenant_id}/contacts", tags=["contacts"])


@router.post("", status_code=201, response_model=ContactRead, summary="Add a contact")
def create_contact(
    body: ContactCreate, session: DbSession, keys: Keys, actor: CurrentActor, tenant: ScopedTenant
) -> ContactRead:
    return service.create_contact(session, keys, actor=actor, tenant=tenant, data=body)


@router.get("", response_model=ContactList, summary="List contacts, or find them by email or phone")
def list_contacts(
    session: DbSession,
    keys: Keys,
    actor: CurrentActor,
    tenant: ScopedTenant,
    email: Annotated[Email | None, Query(description="Exact email address")] = None,
    phone: Annotated[Phone | None, Query(description="Phone number in international form")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> ContactList:
    page = service.search_contacts(
        session, keys, actor=actor, tenant=tenant, email=email, phone=phone, cursor=cursor, limit=limit
    )
    return ContactList(items=page.items, next_cursor=page.next_cursor)


@router.get("/{contact_id}", response_model=ContactRead, summary="Read a contact")
def read_contact(
    contact_id: uuid.UUID, session: DbSession, keys: Keys, actor: CurrentActor, tenant: ScopedTenant
) -> ContactRead:
    return service.read_contact(session, keys, actor=actor, tenant=tenant, contact_id=contact_id)


@router.patch("/{contact_id}", response_model=ContactRead, summary="Correct a contact")
def update_contact(
    contact_id: uuid.UUID,
    body: ContactUpdate,
    session: DbSession,
    keys: Keys,
    actor: CurrentActor,
    tenant: ScopedTenant,
) -> ContactRead:
    return service.update_contact(session, keys, actor=actor, tenant=tenant, contact_id=contact_id, data=body)


@router.delete("/{contact_id}", status_code=204, summary="Delete a contact (crypto-shreds the person)")
def delete_contact(
    contact_id: uuid.UUID, session: DbSession, keys: Keys, actor: CurrentActor, tenant: ScopedTenant
) -> Response:
    service.delete_contact(session, keys, actor=actor, tenant=tenant, contact_id=contact_id)
    return Response(status_code=204)
