"""Portal pages of the Zendesk integration: connect an account, see its connections, start a sync and watch it."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from omniwise.auth.dependencies import DbSession, RuntimeDep
from omniwise.auth.roles import Permission
from omniwise.config import Settings
from omniwise.tenants.service import require
from omniwise.web.forms import Form, Submitted, attempt, read, validate
from omniwise.web.routing import NavLink, PageRouter, Surface
from omniwise.web.templating import render, see_other
from omniwise.web.viewer import PortalTenant, TenantUser
from omniwise.zendesk import connections, sync
from omniwise.zendesk.schemas import ApiTokenAuth, ConnectionCreate, ConnectionRead, Plan, SyncStatus

router = PageRouter()
navigation = [
    NavLink(
        Surface.PORTAL,
        "Zendesk",
        "/portal/zendesk",
        "Your Zendesk accounts: connect one, sync it, see its webhooks.",
        Permission.ZENDESK_READ,
        order=30,
    ),
]
FIELDS = ["subdomain", "base_url", "method", "email", "token", "webhook_secret", "plan"]
STREAM_LABELS = {"organizations": "Organisations", "users": "People", "tickets": "Tickets and comments"}


def _oauth_available(settings: Settings) -> bool:
    """Whether to offer OAuth at all (the service refuses it, with the variables to set, when this is false)."""
    client = (settings.zendesk_oauth_client_id, settings.zendesk_oauth_client_secret)
    return all(client) and bool(settings.zendesk_oauth_redirect_url)


def _progress(status: SyncStatus) -> dict[str, Any]:
    """What the sync panel shows: each stream's state and how many of them are done."""
    by_name = {stream.stream: stream for stream in status.streams}
    run = status.last_run
    running = run is not None and run.status in sync.ACTIVE
    rows = []
    for name in sync.STREAMS:
        stream = by_name.get(name)
        done = stream is not None and stream.caught_up and not stream.pending
        working = running and run is not None and run.stream == name
        state = "Done" if done else "In progress" if working else "Waiting" if running else "Not synced"
        rows.append(
            {
                "name": STREAM_LABELS[name],
                "state": state,
                "records": stream.items if stream else 0,
                "pending": stream.pending if stream else 0,
            }
        )
    finished = sum(1 for row in rows if row["state"] == "Done")
    return {"run": run, "running": running, "streams": rows, "done": finished, "total": len(rows)}


def _panel(session: DbSession, viewer: TenantUser, tenant: PortalTenant, connection_id: uuid.UUID) -> dict[str, Any]:
    status = sync.sync_status(session, actor=viewer.actor, tenant=tenant, connection_id=connection_id)
    return {"connection_id": connection_id, **_progress(status), "can_manage": viewer.can(Permission.ZENDESK_MANAGE)}


@router.get("/portal/zendesk")
def zendesk_home(request: Request, session: DbSession, viewer: TenantUser, tenant: PortalTenant) -> Response:
    rows = sync.connection_summaries(session, actor=viewer.actor, tenant=tenant)
    return render(request, "portal/zendesk.html", {"rows": rows, "can_manage": viewer.can(Permission.ZENDESK_MANAGE)})


def _connect_values(settings: Settings, form: Form) -> dict[str, Any]:
    return {"form": form, "plans": [plan.value for plan in Plan], "oauth": _oauth_available(settings)}


@router.get("/portal/zendesk/connect")
def connect_page(request: Request, runtime: RuntimeDep, viewer: TenantUser, tenant: PortalTenant) -> Response:
    require(viewer.actor, Permission.ZENDESK_MANAGE)
    form = Form(values=dict.fromkeys(FIELDS, ""))
    # a long random secret, to paste into the webhook's settings in Zendesk
    form.values.update(method="api_token", plan=Plan.PROFESSIONAL.value, webhook_secret=secrets.token_urlsafe(24))
    return render(request, "portal/zendesk_connect.html", _connect_values(runtime.settings, form))


def _connection_body(form: Form) -> ConnectionCreate | None:
    """The API's own body for what the form holds; the sign-in fields are checked first, beside their fields."""
    auth: dict[str, Any] = {"type": "oauth"}
    if form.value("method") != "oauth":
        token_auth = {"type": "api_token", "email": form.value("email"), "token": form.value("token")}
        if validate(ApiTokenAuth, form, data=token_auth) is None:
            return None
        auth = token_auth
    data = {
        "subdomain": form.value("subdomain"),
        "base_url": form.value("base_url").strip() or None,
        "auth": auth,
        "webhook_secret": form.value("webhook_secret"),
        "plan": form.value("plan") or Plan.PROFESSIONAL.value,
    }
    return validate(ConnectionCreate, form, data=data)


@router.post("/portal/zendesk/connect")
def connect_submit(
    request: Request, session: DbSession, runtime: RuntimeDep, viewer: TenantUser, tenant: PortalTenant, data: Submitted
) -> Response:
    require(viewer.actor, Permission.ZENDESK_MANAGE)
    form = read(data, FIELDS)
    if form.value("method") == "oauth" and not _oauth_available(runtime.settings):
        form.errors["method"] = "OAuth is not set up on this platform; connect with an API token"
    body = _connection_body(form) if form.ok else None
    created: ConnectionRead | None = None
    if body is not None:
        created = attempt(
            session,
            form,
            lambda: connections.create_connection(
                session, runtime.keyring, runtime.settings, actor=viewer.actor, tenant=tenant, data=body
            ),
        )
    if created is None:
        form.values["token"] = ""  # a secret is never sent back
        return render(
            request, "portal/zendesk_connect.html", _connect_values(runtime.settings, form), status_code=form.status
        )
    if created.authorize_url:
        # the admin continues at Zendesk, by a link: forms here may only post to this site
        return render(request, "portal/zendesk_authorize.html", {"connection": created})
    return see_other(
        f"/portal/zendesk/{created.id}",
        request=request,
        message=f"Connected to {created.subdomain}. Start a sync to bring its tickets in.",
    )


@router.get("/portal/zendesk/{connection_id}")
def connection_page(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    viewer: TenantUser,
    tenant: PortalTenant,
    connection_id: uuid.UUID,
) -> Response:
    connection = connections.read_connection(session, actor=viewer.actor, tenant=tenant, connection_id=connection_id)
    values = {
        "connection": connection,
        "webhook_url": f"{runtime.settings.public_url}/webhooks/zendesk/{connection.id}",
        **_panel(session, viewer, tenant, connection_id),
    }
    return render(request, "portal/zendesk_connection.html", values)


@router.get("/portal/zendesk/{connection_id}/sync")
def sync_panel(
    request: Request, session: DbSession, viewer: TenantUser, tenant: PortalTenant, connection_id: uuid.UUID
) -> Response:
    """The sync panel alone, which htmx polls while a sync runs; a browser without script gets the whole page."""
    if request.headers.get("hx-request") != "true":
        return see_other(f"/portal/zendesk/{connection_id}")
    return render(request, "portal/_zendesk_sync.html", _panel(session, viewer, tenant, connection_id))


@router.post("/portal/zendesk/{connection_id}/sync")
def sync_start(
    request: Request, session: DbSession, viewer: TenantUser, tenant: PortalTenant, connection_id: uuid.UUID
) -> Response:
    form = Form()
    actor = viewer.actor
    started = attempt(
        session, form, lambda: sync.request_sync(session, actor=actor, tenant=tenant, connection_id=connection_id)
    )
    message = "The sync has started." if started is not None else " ".join(form.general)
    if request.headers.get("hx-request") == "true":
        values = {**_panel(session, viewer, tenant, connection_id), "message": message}
        return render(request, "portal/_zendesk_sync.html", values)
    return see_other(f"/portal/zendesk/{connection_id}", request=request, message=message)
