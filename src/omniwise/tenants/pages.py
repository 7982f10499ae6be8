"""Pages for businesses: the console's tenants, and in the portal a business's details, its data and closing it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response

from omniwise.auth.dependencies import DbSession, Keys, RuntimeDep
from omniwise.auth.roles import Permission, Role
from omniwise.billing import service as billing
from omniwise.billing.config import BillingConfig
from omniwise.billing.gateway import configured_gateway
from omniwise.disclosures import service as sharing
from omniwise.tenants import closing, service, status
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
    NavLink(
        Surface.PORTAL,
        "Your data",
        "/portal/privacy",
        "See and correct what we hold about your business, sharing, promotions, closing the account.",
        Permission.TENANTS_READ,
        order=60,
    ),
]
EDIT_FIELDS = ["name", "address", "industry", "organisation"]


@router.get("/console/tenants")
def tenants_list(
    request: Request, session: DbSession, viewer: Staff, cursor: Annotated[str | None, Query()] = None
) -> Response:
    page = service.list_tenants(session, actor=viewer.actor, cursor=cursor, limit=50)
    rows = [(tenant, status.tenant_status(session, actor=viewer.actor, tenant=tenant)) for tenant in page.items]
    return render(request, "console/tenants.html", {"rows": rows, "next_cursor": page.next_cursor})


@router.get("/console/tenants/{tenant_id}")
def tenant_details(request: Request, session: DbSession, viewer: Staff, tenant: ConsoleTenant) -> Response:
    tenant = service.read_tenant(session, actor=viewer.actor, tenant=tenant)
    state = status.tenant_status(session, actor=viewer.actor, tenant=tenant)
    values = {"tenant": tenant, "state": state, "can_see_disclosures": viewer.can(Permission.DISCLOSURES_READ)}
    return render(request, "console/tenant.html", values)


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


@router.get("/portal/privacy")
def your_data(
    request: Request, session: DbSession, keys: Keys, runtime: RuntimeDep, viewer: TenantUser, tenant: PortalTenant
) -> Response:
    """What we hold about the business, with the ways to correct it, choose, and leave."""
    tenant = service.read_tenant(session, actor=viewer.actor, tenant=tenant)
    values: dict[str, Any] = {
        "tenant": tenant,
        "can_edit": viewer.can(Permission.TENANTS_UPDATE),
        "can_manage": viewer.can(Permission.BILLING_MANAGE),
        "can_close": viewer.can(Permission.TENANTS_CLOSE),
        "billing": None,
        "sharing": sharing.list_sharing(session, runtime.policy, tenant=tenant, actor=viewer.actor),
        # partner sharing rests on the business's consent: only its admins give or withdraw it
        "can_share": viewer.actor.role is Role.TENANT_ADMIN,
    }
    if viewer.can(Permission.BILLING_READ):
        values["billing"] = billing.read_billing(session, keys, actor=viewer.actor, tenant=tenant)
    return render(request, "portal/privacy.html", values)


def _closing_values(runtime: RuntimeDep, tenant: Tenant) -> dict[str, Any]:
    return {"tenant": tenant, "terms": closing.closing_terms(runtime.policy)}


@router.get("/portal/close")
def close_page(request: Request, runtime: RuntimeDep, viewer: TenantUser, tenant: PortalTenant) -> Response:
    service.require(viewer.actor, Permission.TENANTS_CLOSE)
    return render(request, "portal/close.html", _closing_values(runtime, tenant))


@router.post("/portal/close")
def close_submit(
    request: Request,
    session: DbSession,
    keys: Keys,
    runtime: RuntimeDep,
    viewer: TenantUser,
    tenant: PortalTenant,
    data: Submitted,
) -> Response:
    service.require(viewer.actor, Permission.TENANTS_CLOSE)
    form = read(data, ["confirm"])
    # typing the business's name makes closing a deliberate act, not a slip of the mouse
    if form.value("confirm").strip().casefold() != tenant.name.strip().casefold():
        form.errors["confirm"] = "type the business's name exactly as shown to close the account"
        values = {**_closing_values(runtime, tenant), "form": form}
        return render(request, "portal/close.html", values, status_code=422)
    closing.close_account(
        session,
        keys,
        configured_gateway(runtime),
        config=BillingConfig.from_settings(runtime.settings),
        actor=viewer.actor,
        tenant=tenant,
    )
    return see_other("/portal/privacy", request=request, message="Your account is closed.")
