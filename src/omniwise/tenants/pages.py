"""Pages for businesses: the console's list and details of every tenant, and a business's own details in the portal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from omniwise.auth.dependencies import DbSession
from omniwise.auth.roles import Permission
from omniwise.tenants import service
from omniwise.tenants.models import Tenant
from omniwise.tenants.schemas import TenantUpdate
from omniwise.web.forms import Form, Submitted, read, validate
from omniwise.web.routing import NavLink, PageRouter, Surface
from omniwise.web.templating import render, see_other
from omniwise.web.viewer import ConsoleTenant, PortalTenant, Staff, TenantUser

router = PageRouter()
navigation = [
    NavLink(
        Surface.CONSOLE,
        "Tenants",
        "/console/tenants",
        "The businesses that use Omni Wise's apps.",
        Permission.TENANTS_LIST_ALL,
        order=10,
    ),
    NavLink(
        Surface.PORTAL,
        "Business details",
        "/portal/business",
        "Your business's name, address and details.",
        Permission.TENANTS_READ,
        order=10,
    ),
]
EDIT_FIELDS = ["name", "address", "industry", "organisation"]


@router.get("/console/tenants")
def tenants_list(
    request: Request, session: DbSession, viewer: Staff, cursor: Annotated[str | None, Query()] = None
) -> Response:
    page = service.list_tenants(session, actor=viewer.actor, cursor=cursor, limit=50)
    return render(request, "console/tenants.html", {"tenants": page.items, "next_cursor": page.next_cursor})


@router.get("/console/tenants/{tenant_id}")
def tenant_details(request: Request, session: DbSession, viewer: Staff, tenant: ConsoleTenant) -> Response:
    tenant = service.read_tenant(session, actor=viewer.actor, tenant=tenant)
    return render(request, "console/tenant.html", {"tenant": tenant})


@router.get("/portal/business")
def business_details(request: Request, session: DbSession, viewer: TenantUser, tenant: PortalTenant) -> Response:
    tenant = service.read_tenant(session, actor=viewer.actor, tenant=tenant)
    can_edit = viewer.can(Permission.TENANTS_UPDATE)
    return render(request, "portal/business.html", {"tenant": tenant, "can_edit": can_edit})


def _organisation_text(organisation: dict[str, str]) -> str:
    return "\n".join(f"{key}: {value}" for key, value in organisation.items())


def _edit_form(tenant: Tenant) -> Form:
    return Form(
        values={
            "name": tenant.name,
            "address": tenant.address or "",
            "industry": tenant.industry or "",
            "organisation": _organisation_text(tenant.organisation or {}),
        }
    )


@router.get("/portal/business/edit")
def business_edit_page(request: Request, session: DbSession, viewer: TenantUser, tenant: PortalTenant) -> Response:
    service.require(viewer.actor, Permission.TENANTS_UPDATE)
    return render(request, "portal/business_edit.html", {"tenant": tenant, "form": _edit_form(tenant)})


def _parse_organisation(form: Form) -> dict[str, str] | None:
    """One `name: value` per line, as the page shows it."""
    organisation: dict[str, str] = {}
    for number, line in enumerate(form.value("organisation").splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            form.errors["organisation"] = f"line {number} is not in the form 'name: value'"
            return None
        organisation[key.strip()] = value.strip()
    return organisation


@router.post("/portal/business/edit")
def business_edit_submit(
    request: Request, session: DbSession, viewer: TenantUser, tenant: PortalTenant, data: Submitted
) -> Response:
    form = read(data, EDIT_FIELDS)
    organisation = _parse_organisation(form)
    changes: dict[str, object] = {
        "name": form.value("name"),
        "address": form.value("address").strip() or None,
        "industry": form.value("industry").strip() or None,
        "organisation": organisation,
    }
    update = validate(TenantUpdate, form, data=changes) if organisation is not None else None
    if update is not None:
        service.update_tenant(session, actor=viewer.actor, tenant=tenant, data=update)
        return see_other("/portal/business", request=request, message="Your business's details are saved.")
    return render(request, "portal/business_edit.html", {"tenant": tenant, "form": form}, status_code=422)
