"""Pages of the disclosure gate: a business's partner-sharing choices (portal); the records and transfers (console)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import Response

from omniwise.auth.dependencies import DbSession, RuntimeDep
from omniwise.auth.roles import Permission
from omniwise.disclosures import records, service
from omniwise.tenants import service as tenants
from omniwise.web.forms import Form, Submitted
from omniwise.web.routing import NavLink, PageRouter, Surface
from omniwise.web.templating import render, see_other
from omniwise.web.viewer import PortalTenant, Staff, TenantUser

router = PageRouter()
navigation = [
    NavLink(
        Surface.CONSOLE,
        "Disclosures",
        "/console/disclosures",
        "Who received whose data, why, and under which transfer safeguard.",
        Permission.DISCLOSURES_READ,
        order=60,
    ),
]
FILTERS = ["tenant", "recipient", "since", "until"]
Filter = Annotated[str | None, Query(max_length=100)]


@router.post("/portal/privacy/sharing/{recipient_id}")
def sharing_choice(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    viewer: TenantUser,
    tenant: PortalTenant,
    recipient_id: str,
    data: Submitted,
) -> Response:
    """Opt in to sharing with a partner, or withdraw; the same rules as the API (only the business's admins)."""
    policy = runtime.policy
    if data.get("choice") == "opt_in":
        choice = service.opt_in_choice(session, policy, tenant=tenant, recipient_id=recipient_id, actor=viewer.actor)
        message = f"You share with {choice.recipient.name} from now on. You can withdraw at any time."
    else:
        service.withdraw_choice(session, policy, tenant=tenant, recipient_id=recipient_id, actor=viewer.actor)
        message = "Sharing with that partner has stopped; nothing more is sent to it."
    return see_other("/portal/privacy#sharing-heading", request=request, message=message)


def _filters(form: Form) -> dict[str, Any]:
    """The filters as the service takes them; a value that is not one puts a message beside its field."""
    chosen: dict[str, Any] = {"tenant_id": None, "recipient_id": form.value("recipient").strip() or None}
    text = form.value("tenant").strip()
    if text:
        try:
            chosen["tenant_id"] = uuid.UUID(text)
        except ValueError:
            form.errors["tenant"] = "not a business of this platform"
    for name in ("since", "until"):
        text = form.value(name).strip()
        chosen[name] = None
        if text:
            try:
                chosen[name] = date.fromisoformat(text)
            except ValueError:
                form.errors[name] = "a date, such as 2025-01-31"
    if chosen["since"] and chosen["until"] and chosen["since"] > chosen["until"]:
        form.errors["since"] = "must not be after the end date"
    return chosen


@router.get("/console/disclosures")
def disclosures_page(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    viewer: Staff,
    tenant: Filter = None,
    recipient: Filter = None,
    since: Filter = None,
    until: Filter = None,
    cursor: Filter = None,
) -> Response:
    form = Form(
        values={"tenant": tenant or "", "recipient": recipient or "", "since": since or "", "until": until or ""}
    )
    chosen = _filters(form)
    page = None
    if form.ok:
        page = records.list_disclosures(session, actor=viewer.actor, cursor=cursor, limit=50, **chosen)
    businesses = tenants.list_tenants(session, actor=viewer.actor, cursor=None, limit=200).items
    query = urlencode({name: form.value(name) for name in FILTERS if form.value(name)})
    values = {
        "form": form,
        "rows": page.items if page else [],
        "next_cursor": page.next_cursor if page else None,
        "query": query,
        "businesses": businesses,
        "recipients": runtime.policy.recipients,
        "routes": records.transfer_routes(runtime.policy),
        "regions": runtime.policy.transfers.regions,
        "mechanisms": runtime.policy.transfers.mechanisms,
        "recipient_names": {r.id: r.name for r in runtime.policy.recipients},
    }
    return render(request, "console/disclosures.html", values, status_code=200 if form.ok else 422)
