"""The portal's privacy requests: customers' requests waiting for the business's decision, and a copy of its own data.

For the Zendesk data of its customers a business is the controller and Omni Wise its
processor, so a customer's request that touches it waits for the business's admins, who
approve it (with the instruction for the tickets, for a deletion) or refuse it with a
reason. Everything goes through `omniwise.privacy.service`, scoped to the viewer's own
business: another business's request answers 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from omniwise.auth.dependencies import DbSession, RuntimeDep
from omniwise.auth.roles import Permission
from omniwise.errors import NotFound
from omniwise.privacy import service
from omniwise.privacy.contract import RequestType, ZendeskInstruction
from omniwise.privacy.labels import EXPORT_TYPES, LABELS, law_of, type_choices
from omniwise.privacy.models import PrivacyRequest, RequestStatus
from omniwise.privacy.page_router import router
from omniwise.privacy.presenting import flags, found, holdings_of, status_panel, steps
from omniwise.tenants.models import Tenant
from omniwise.tenants.service import require
from omniwise.users import crypto
from omniwise.web.forms import Form, Submitted, attempt, read
from omniwise.web.routing import NavLink, Surface
from omniwise.web.templating import render, see_other
from omniwise.web.viewer import PortalTenant, TenantUser, Viewer

navigation = [
    NavLink(
        Surface.PORTAL,
        "Customer requests",
        "/portal/requests",
        "Your customers' requests about their Zendesk data, waiting for your decision.",
        Permission.PRIVACY_REQUESTS_DECIDE,
        order=55,
    ),
]
PORTAL_CHANNEL = "portal"
DECISION_FIELDS = ["decision", "instruction", "reason"]


def _own(session: DbSession, viewer: Viewer, tenant: Tenant, request_id: uuid.UUID) -> PrivacyRequest:
    """A request of the viewer's own business; any other answers 404, as if it did not exist."""
    item = service.get_request(session, actor=viewer.actor, request_id=request_id)
    if item.tenant_id != tenant.id:
        raise NotFound(f"privacy request {request_id} not found")
    return item


@router.get("/portal/requests")
def customer_requests(request: Request, session: DbSession, viewer: TenantUser, tenant: PortalTenant) -> Response:
    require(viewer.actor, Permission.PRIVACY_REQUESTS_DECIDE)
    waiting = service.list_requests(
        session, actor=viewer.actor, tenant_id=tenant.id, status=RequestStatus.AWAITING_APPROVAL
    )
    marks = flags(session)
    rows = []
    for item in waiting:
        summary = found(holdings_of(item) or [])
        rows.append({"request": item, "records": summary.records, "places": summary.places, "flag": marks.get(item.id)})
    everything = service.list_requests(session, actor=viewer.actor, tenant_id=tenant.id)
    decided = [item for item in everything if item.needs_approval and item.decided_at is not None][:20]
    return render(request, "portal/requests.html", {"rows": rows, "decided": decided, "labels": LABELS})


def _decision_values(
    session: DbSession, runtime: RuntimeDep, viewer: Viewer, item: PrivacyRequest, form: Form
) -> dict[str, Any]:
    path = f"/portal/requests/{item.id}"
    values: dict[str, Any] = {
        "item": item,
        "law": law_of(runtime.policy, item.law),
        "holdings": holdings_of(item),
        "report": item.report,
        "can_decide": viewer.can(Permission.PRIVACY_REQUESTS_DECIDE),
        "form": form,
    }
    values.update(
        status_panel(
            status=item.status,
            steps=steps(session, item.id),
            poll_url=f"{path}/steps",
            reload_url=path,
            detailed=False,
        )
    )
    return values


@router.get("/portal/requests/{request_id}")
def customer_request(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    viewer: TenantUser,
    tenant: PortalTenant,
    request_id: uuid.UUID,
) -> Response:
    item = _own(session, viewer, tenant, request_id)
    form = Form(values=dict.fromkeys(DECISION_FIELDS, ""))
    return render(request, "portal/request.html", _decision_values(session, runtime, viewer, item, form))


@router.get("/portal/requests/{request_id}/steps")
def customer_request_steps(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    viewer: TenantUser,
    tenant: PortalTenant,
    request_id: uuid.UUID,
) -> Response:
    item = _own(session, viewer, tenant, request_id)
    values = _decision_values(session, runtime, viewer, item, Form(values=dict.fromkeys(DECISION_FIELDS, "")))
    template = "privacy/_steps.html" if request.headers.get("hx-request") == "true" else "portal/request.html"
    return render(request, template, values)


@router.post("/portal/requests/{request_id}/decision")
def decide(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    viewer: TenantUser,
    tenant: PortalTenant,
    request_id: uuid.UUID,
    data: Submitted,
) -> Response:
    item = _own(session, viewer, tenant, request_id)
    form = read(data, DECISION_FIELDS)
    approve = form.value("decision") == "approve"
    instruction: ZendeskInstruction | None = None
    reason = form.value("reason").strip() or None
    if approve and form.value("instruction"):
        try:
            instruction = ZendeskInstruction(form.value("instruction"))
        except ValueError:
            form.errors["instruction"] = "choose one of the instructions shown"
    elif approve and item.type == RequestType.DELETION.value:
        form.errors["instruction"] = "choose what should happen to the customer's tickets"
    if not approve and reason is None:
        form.errors["reason"] = "give the reason: we pass it to your customer"
    if form.ok:
        actor = viewer.actor
        decided = attempt(
            session,
            form,
            lambda: service.decide_request(
                session,
                runtime,
                actor=actor,
                request_id=request_id,
                approve=approve,
                instruction=instruction,
                reason=reason,
            ),
        )
        if decided is not None:
            message = (
                f"Request {decided.reference} is approved: we carry it out now."
                if approve
                else f"Request {decided.reference} is refused; we tell your customer why."
            )
            return see_other("/portal/requests", request=request, message=message)
        item = _own(session, viewer, tenant, request_id)
    values = _decision_values(session, runtime, viewer, item, form)
    return render(request, "portal/request.html", values, status_code=form.status)


def _copy_types(runtime: RuntimeDep) -> list[Any]:
    return [choice for choice in type_choices(runtime.policy) if choice.value in EXPORT_TYPES]


def _mine(session: DbSession, viewer: Viewer, tenant: Tenant) -> list[PrivacyRequest]:
    everything = service.list_requests(session, actor=viewer.actor, tenant_id=tenant.id)
    return [item for item in everything if item.channel == PORTAL_CHANNEL and item.type in EXPORT_TYPES]


def _copy_values(session: DbSession, runtime: RuntimeDep, viewer: Viewer, tenant: Tenant, form: Form) -> dict[str, Any]:
    return {
        "tenant": tenant,
        "form": form,
        "types": _copy_types(runtime),
        "mine": _mine(session, viewer, tenant),
        "labels": LABELS,
    }


@router.get("/portal/privacy/copy")
def copy_page(
    request: Request, session: DbSession, runtime: RuntimeDep, viewer: TenantUser, tenant: PortalTenant
) -> Response:
    require(viewer.actor, Permission.PRIVACY_REQUESTS_MANAGE)
    form = Form(values={"type": RequestType.ACCESS.value})
    return render(request, "portal/data_copy.html", _copy_values(session, runtime, viewer, tenant, form))


@router.post("/portal/privacy/copy")
def copy_submit(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    viewer: TenantUser,
    tenant: PortalTenant,
    data: Submitted,
) -> Response:
    require(viewer.actor, Permission.PRIVACY_REQUESTS_MANAGE)
    form = read(data, ["type"])
    if form.value("type") not in EXPORT_TYPES:
        form.errors["type"] = "choose a copy to see or a copy to take elsewhere"
    else:
        email = crypto.open_field(runtime.keyring, viewer.user, "email")
        if not email:
            form.general.append("your account has no email address to open the request for")
        else:
            actor = viewer.actor
            kind = RequestType(form.value("type"))
            opened = attempt(
                session,
                form,
                lambda: service.open_request(
                    session,
                    runtime,
                    type=kind,
                    email=email,
                    tenant_id=tenant.id,
                    jurisdiction=None,
                    channel=PORTAL_CHANNEL,
                    actor=actor,
                    verified_by="signed-in tenant admin",
                ),
            )
            if opened is not None:
                return see_other(
                    f"/portal/privacy/copy/{opened.id}",
                    request=request,
                    message=f"Request {opened.reference} is open; the copy is prepared now.",
                )
    values = _copy_values(session, runtime, viewer, tenant, form)
    return render(request, "portal/data_copy.html", values, status_code=form.status)


def _copy_status_values(session: DbSession, viewer: Viewer, item: PrivacyRequest) -> dict[str, Any]:
    path = f"/portal/privacy/copy/{item.id}"
    values: dict[str, Any] = {"item": item, "labels": LABELS}
    values.update(
        status_panel(
            status=item.status,
            steps=steps(session, item.id),
            poll_url=f"{path}/steps",
            reload_url=path,
            detailed=False,
        )
    )
    return values


@router.get("/portal/privacy/copy/{request_id}")
def copy_status(
    request: Request, session: DbSession, viewer: TenantUser, tenant: PortalTenant, request_id: uuid.UUID
) -> Response:
    item = _own(session, viewer, tenant, request_id)
    return render(request, "portal/data_copy_status.html", _copy_status_values(session, viewer, item))


@router.get("/portal/privacy/copy/{request_id}/steps")
def copy_steps(
    request: Request, session: DbSession, viewer: TenantUser, tenant: PortalTenant, request_id: uuid.UUID
) -> Response:
    item = _own(session, viewer, tenant, request_id)
    template = "privacy/_steps.html" if request.headers.get("hx-request") == "true" else "portal/data_copy_status.html"
    return render(request, template, _copy_status_values(session, viewer, item))


@router.post("/portal/privacy/copy/{request_id}/download")
def copy_download(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    viewer: TenantUser,
    tenant: PortalTenant,
    request_id: uuid.UUID,
) -> Response:
    _own(session, viewer, tenant, request_id)
    return see_other(service.issue_export_link(session, runtime, actor=viewer.actor, request_id=request_id))
