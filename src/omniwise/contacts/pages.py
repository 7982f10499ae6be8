"""Pages for a business's contacts: listed, added, corrected and deleted in the portal; listed in the console."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from omniwise.auth.dependencies import DbSession, Keys
from omniwise.auth.roles import Permission
from omniwise.contacts import service
from omniwise.contacts.schemas import ContactCreate, ContactRead, ContactUpdate
from omniwise.policy.purposes import Purpose
from omniwise.tenants.service import require
from omniwise.web.forms import Form, Submitted, attempt, read, validate
from omniwise.web.routing import NavLink, PageRouter, Surface
from omniwise.web.templating import render, see_other
from omniwise.web.viewer import ConsoleTenant, PortalTenant, Staff, TenantUser

router = PageRouter()
navigation = [
    NavLink(
        Surface.PORTAL,
        "Contacts",
        "/portal/contacts",
        "The people who represent your business to us.",
        Permission.CONTACTS_READ,
        order=20,
    ),
]
FIELDS = ["name", "email", "phone", "job_title"]
OPTIONAL = ("phone", "job_title")


def _values(contact: ContactRead) -> dict[str, str]:
    return {name: getattr(contact, name) or "" for name in FIELDS}


@router.get("/portal/contacts")
def contacts_list(
    request: Request,
    session: DbSession,
    keys: Keys,
    viewer: TenantUser,
    tenant: PortalTenant,
    cursor: Annotated[str | None, Query()] = None,
) -> Response:
    page = service.search_contacts(
        session, keys, actor=viewer.actor, tenant=tenant, email=None, phone=None, cursor=cursor, limit=50
    )
    values = {
        "tenant": tenant,
        "contacts": page.items,
        "next_cursor": page.next_cursor,
        "can_write": viewer.can(Permission.CONTACTS_WRITE),
    }
    return render(request, "portal/contacts.html", values)


@router.get("/portal/contacts/new")
def contact_new_page(request: Request, viewer: TenantUser, tenant: PortalTenant) -> Response:
    require(viewer.actor, Permission.CONTACTS_WRITE)
    return render(
        request, "portal/contact_form.html", {"form": Form(values=dict.fromkeys(FIELDS, "")), "contact": None}
    )


@router.post("/portal/contacts/new")
def contact_new_submit(
    request: Request, session: DbSession, keys: Keys, viewer: TenantUser, tenant: PortalTenant, data: Submitted
) -> Response:
    form = read(data, FIELDS)
    body = validate(ContactCreate, form, blank_is_none=OPTIONAL)
    if body is not None:
        created = attempt(
            session, form, lambda: service.create_contact(session, keys, actor=viewer.actor, tenant=tenant, data=body)
        )
        if created is not None:
            return see_other("/portal/contacts", request=request, message="The contact is added.")
    return render(request, "portal/contact_form.html", {"form": form, "contact": None}, status_code=form.status)


@router.get("/portal/contacts/{contact_id}/edit")
def contact_edit_page(
    request: Request, session: DbSession, keys: Keys, viewer: TenantUser, tenant: PortalTenant, contact_id: uuid.UUID
) -> Response:
    require(viewer.actor, Permission.CONTACTS_WRITE)
    contact = service.read_contact(session, keys, actor=viewer.actor, tenant=tenant, contact_id=contact_id)
    return render(request, "portal/contact_form.html", {"form": Form(values=_values(contact)), "contact": contact})


@router.post("/portal/contacts/{contact_id}/edit")
def contact_edit_submit(
    request: Request,
    session: DbSession,
    keys: Keys,
    viewer: TenantUser,
    tenant: PortalTenant,
    contact_id: uuid.UUID,
    data: Submitted,
) -> Response:
    form = read(data, FIELDS)
    current = service.read_contact(session, keys, actor=viewer.actor, tenant=tenant, contact_id=contact_id)
    body = validate(ContactUpdate, form, blank_is_none=OPTIONAL)
    if body is not None:
        # the form shows every field; only those that differ are a correction
        changed = {k: v for k, v in body.model_dump().items() if v != getattr(current, k)}
        update = ContactUpdate.model_validate(changed)
        corrected = attempt(
            session,
            form,
            lambda: service.update_contact(
                session, keys, actor=viewer.actor, tenant=tenant, contact_id=contact_id, data=update
            ),
        )
        if corrected is not None:
            return see_other("/portal/contacts", request=request, message="The contact is corrected.")
    return render(request, "portal/contact_form.html", {"form": form, "contact": current}, status_code=form.status)


@router.get("/portal/contacts/{contact_id}/delete")
def contact_delete_page(
    request: Request, session: DbSession, keys: Keys, viewer: TenantUser, tenant: PortalTenant, contact_id: uuid.UUID
) -> Response:
    require(viewer.actor, Permission.CONTACTS_WRITE)
    contact = service.read_contact(session, keys, actor=viewer.actor, tenant=tenant, contact_id=contact_id)
    return render(request, "portal/contact_delete.html", {"contact": contact})


@router.post("/portal/contacts/{contact_id}/delete")
def contact_delete_submit(
    request: Request, session: DbSession, keys: Keys, viewer: TenantUser, tenant: PortalTenant, contact_id: uuid.UUID
) -> Response:
    service.delete_contact(session, keys, actor=viewer.actor, tenant=tenant, contact_id=contact_id)
    return see_other("/portal/contacts", request=request, message="The contact is deleted, and their data erased.")


@router.get("/console/tenants/{tenant_id}/contacts")
def tenant_contacts(
    request: Request,
    session: DbSession,
    keys: Keys,
    viewer: Staff,
    tenant: ConsoleTenant,
    cursor: Annotated[str | None, Query()] = None,
) -> Response:
    """Staff read a business's contacts to support it; the read is audited under that purpose."""
    page = service.search_contacts(
        session,
        keys,
        actor=viewer.actor,
        tenant=tenant,
        email=None,
        phone=None,
        cursor=cursor,
        limit=50,
        purpose=Purpose.CUSTOMER_SUPPORT,
    )
    return render(
        request,
        "console/tenant_contacts.html",
        {"tenant": tenant, "contacts": page.items, "next_cursor": page.next_cursor},
    )
