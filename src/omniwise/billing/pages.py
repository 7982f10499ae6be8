"""Portal pages of billing: the subscription and its invoices, Stripe's hosted pages, and the billing details.

Card details are typed into Stripe's own pages only. A form here may post only to this
site, so Checkout and the Customer Portal are reached by a link on the page that asked
Stripe for them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query, Request
from fastapi.responses import Response

from omniwise.auth.dependencies import DbSession, Keys, RuntimeDep
from omniwise.auth.roles import Permission
from omniwise.billing import service
from omniwise.billing.config import BillingConfig
from omniwise.billing.entitlements import GOOD_STANDING
from omniwise.billing.errors import BillingNotConfigured
from omniwise.billing.gateway import configured_gateway
from omniwise.billing.gateway.registry import NOT_CONFIGURED
from omniwise.billing.schemas import Address, BillingDetailsUpdate, BillingRead, HostedSessionRead
from omniwise.tenants.service import require
from omniwise.web.forms import Form, Submitted, attempt, read, validate
from omniwise.web.routing import NavLink, PageRouter, Surface
from omniwise.web.templating import render, see_other
from omniwise.web.viewer import PortalTenant, TenantUser

router = PageRouter()
navigation = [
    NavLink(
        Surface.PORTAL,
        "Subscription",
        "/portal/subscription",
        "Your plan, its invoices, and payment through Stripe.",
        Permission.BILLING_READ,
        order=40,
    ),
]
DETAIL_FIELDS = ["name", "email"]
ADDRESS_FIELDS = ["line1", "line2", "city", "postal_code", "state", "country"]
CHECKOUT_NOTES = {
    "done": "Thank you. Stripe confirms the subscription in a moment; it shows here as soon as Stripe tells us.",
    "canceled": "Checkout was left before paying; nothing has changed.",
}


def _subscription_values(
    request: Request, session: DbSession, keys: Keys, runtime: RuntimeDep, viewer: TenantUser, tenant: PortalTenant
) -> dict[str, Any]:
    config = BillingConfig.from_settings(runtime.settings)
    billing = service.read_billing(session, keys, actor=viewer.actor, tenant=tenant)
    invoices = service.list_invoices(session, actor=viewer.actor, tenant=tenant, cursor=None, limit=24)
    subscription = billing.subscription
    return {
        "billing": billing,
        "invoices": invoices.items,
        "more_invoices": invoices.next_cursor is not None,
        "configured": config.gateway_configured,
        "not_configured": NOT_CONFIGURED,
        "plans": sorted(config.prices),
        "subscribed": subscription is not None and subscription.status in GOOD_STANDING,
        "can_manage": viewer.can(Permission.BILLING_MANAGE),
        "form": Form(values={"plan": ""}),
    }


@router.get("/portal/subscription")
def subscription_page(
    request: Request,
    session: DbSession,
    keys: Keys,
    runtime: RuntimeDep,
    viewer: TenantUser,
    tenant: PortalTenant,
    checkout: Annotated[Literal["done", "canceled"] | None, Query()] = None,
) -> Response:
    values = _subscription_values(request, session, keys, runtime, viewer, tenant)
    values["note"] = CHECKOUT_NOTES.get(checkout or "")
    return render(request, "portal/subscription.html", values)


def _hosted(
    request: Request,
    session: DbSession,
    keys: Keys,
    runtime: RuntimeDep,
    viewer: TenantUser,
    tenant: PortalTenant,
    form: Form,
    kind: Literal["checkout", "portal"],
) -> Response:
    """Ask Stripe for a hosted page; show the link to it, or the subscription page with what went wrong."""
    config = BillingConfig.from_settings(runtime.settings)
    gateway = configured_gateway(runtime)
    actor = viewer.actor
    page: HostedSessionRead | None = None
    try:
        if kind == "checkout":
            plan = form.value("plan")
            page = attempt(
                session,
                form,
                lambda: service.start_checkout(session, gateway, config=config, actor=actor, tenant=tenant, plan=plan),
            )
        else:
            page = attempt(
                session, form, lambda: service.open_portal(session, gateway, config=config, actor=actor, tenant=tenant)
            )
    except BillingNotConfigured as exc:
        # the platform's state, not a fault of the page: say so on the page that offers billing
        session.rollback()
        form.general.append(exc.detail)
        form.status = 409
    if page is not None:
        return render(request, "portal/stripe_handoff.html", {"page": page, "kind": kind})
    values = _subscription_values(request, session, keys, runtime, viewer, tenant)
    values.update(form=form, note=None)
    return render(request, "portal/subscription.html", values, status_code=form.status)


@router.post("/portal/subscription/checkout")
def checkout_start(
    request: Request,
    session: DbSession,
    keys: Keys,
    runtime: RuntimeDep,
    viewer: TenantUser,
    tenant: PortalTenant,
    data: Submitted,
) -> Response:
    form = read(data, ["plan"])
    return _hosted(request, session, keys, runtime, viewer, tenant, form, "checkout")


@router.post("/portal/subscription/manage")
def portal_start(
    request: Request, session: DbSession, keys: Keys, runtime: RuntimeDep, viewer: TenantUser, tenant: PortalTenant
) -> Response:
    return _hosted(request, session, keys, runtime, viewer, tenant, Form(values={"plan": ""}), "portal")


def _details_form(billing: BillingRead) -> Form:
    details = billing.details
    values = dict.fromkeys(DETAIL_FIELDS + ADDRESS_FIELDS, "")
    if details is not None:
        values.update(name=details.name or "", email=details.email or "")
        if details.address is not None:
            values.update({k: v or "" for k, v in details.address.model_dump().items()})
    return Form(values=values)


@router.get("/portal/billing/details")
def details_page(
    request: Request, session: DbSession, keys: Keys, viewer: TenantUser, tenant: PortalTenant
) -> Response:
    require(viewer.actor, Permission.BILLING_MANAGE)
    billing = service.read_billing(session, keys, actor=viewer.actor, tenant=tenant)
    return render(request, "portal/billing_details.html", {"form": _details_form(billing), "billing": billing})


def _correction(form: Form, current: Form) -> BillingDetailsUpdate | None:
    """Only what differs from the stored details is a correction; an emptied field is removed."""
    address_values = {name: form.value(name).strip() for name in ADDRESS_FIELDS}
    address: Address | None = None
    if any(address_values.values()):
        address = validate(Address, form, data={k: v or None for k, v in address_values.items()})
        if address is None:
            return None
    changes: dict[str, object] = {}
    for name in DETAIL_FIELDS:
        typed = form.value(name).strip()
        if typed != current.value(name):
            changes[name] = typed or None
    if any(form.value(name).strip() != current.value(name) for name in ADDRESS_FIELDS):
        changes["address"] = address.model_dump() if address is not None else None
    return validate(BillingDetailsUpdate, form, data=changes)


@router.post("/portal/billing/details")
def details_submit(
    request: Request,
    session: DbSession,
    keys: Keys,
    runtime: RuntimeDep,
    viewer: TenantUser,
    tenant: PortalTenant,
    data: Submitted,
) -> Response:
    require(viewer.actor, Permission.BILLING_MANAGE)
    billing = service.read_billing(session, keys, actor=viewer.actor, tenant=tenant)
    form = read(data, DETAIL_FIELDS + ADDRESS_FIELDS)
    update = _correction(form, _details_form(billing))
    if update is not None:
        config = BillingConfig.from_settings(runtime.settings)
        actor = viewer.actor
        corrected = attempt(
            session,
            form,
            lambda: service.correct_billing_details(
                session, keys, config=config, actor=actor, tenant=tenant, data=update
            ),
        )
        if corrected is not None:
            message = "Your billing details are saved."
            if config.gateway_configured:
                message += " Stripe receives the correction in a moment."
            return see_other("/portal/privacy", request=request, message=message)
    return render(request, "portal/billing_details.html", {"form": form, "billing": billing}, status_code=form.status)
