"""HTTP endpoints of the Zendesk integration: connections and sync, the read API, webhooks, the sidebar app."""

from __future__ import annotations

import html
import json
import re
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from omniwise.auth.actor import SYSTEM
from omniwise.auth.dependencies import CurrentActor, DbSession, Keys, RuntimeDep, ScopedTenant
from omniwise.errors import MethodNotAllowed, NotFound, OmniwiseError, Unauthorized
from omniwise.runtime import Runtime
from omniwise.zendesk import connections, people, sync, zaf
from omniwise.zendesk.schemas import (
    AppRequestCreate,
    AppRequestRead,
    ConnectionCreate,
    ConnectionList,
    ConnectionRead,
    RequesterPrivacy,
    SyncRunRead,
    SyncStatus,
    TicketRead,
    UserRead,
)
from omniwise.zendesk.webhooks import WebhookInbox

router = APIRouter(prefix="/api/v1/tenants/{tenant_id}/zendesk", tags=["zendesk"])
public = APIRouter(tags=["zendesk"])
ASSET_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,80}\.(js|css|svg|png)$")

ConnectionFilter = Annotated[uuid.UUID | None, Query(description="The connection, when several hold this id")]


@router.post("/connections", status_code=201, response_model=ConnectionRead, summary="Connect a Zendesk account")
def create_connection(
    body: ConnectionCreate, session: DbSession, runtime: RuntimeDep, actor: CurrentActor, tenant: ScopedTenant
) -> ConnectionRead:
    return connections.create_connection(
        session, runtime.keyring, runtime.settings, actor=actor, tenant=tenant, data=body
    )


@router.get("/connections", response_model=ConnectionList, summary="The business's Zendesk connections")
def list_connections(session: DbSession, actor: CurrentActor, tenant: ScopedTenant) -> ConnectionList:
    return ConnectionList(items=connections.list_connections(session, actor=actor, tenant=tenant))


@router.get("/connections/{connection_id}", response_model=ConnectionRead, summary="A Zendesk connection")
def read_connection(
    connection_id: uuid.UUID, session: DbSession, actor: CurrentActor, tenant: ScopedTenant
) -> ConnectionRead:
    return connections.read_connection(session, actor=actor, tenant=tenant, connection_id=connection_id)


@router.post(
    "/connections/{connection_id}/disconnect",
    response_model=ConnectionRead,
    summary="Disconnect a Zendesk account: secrets deleted now, its data after the policy's period",
)
def disconnect_connection(
    connection_id: uuid.UUID, session: DbSession, actor: CurrentActor, tenant: ScopedTenant
) -> ConnectionRead:
    return connections.disconnect_connection(session, actor=actor, tenant=tenant, connection_id=connection_id)


@router.post(
    "/connections/{connection_id}/sync", status_code=202, response_model=SyncRunRead, summary="Start a sync (as jobs)"
)
def start_sync(connection_id: uuid.UUID, session: DbSession, actor: CurrentActor, tenant: ScopedTenant) -> SyncRunRead:
    return sync.request_sync(session, actor=actor, tenant=tenant, connection_id=connection_id)


@router.get("/connections/{connection_id}/sync", response_model=SyncStatus, summary="Sync status of a connection")
def sync_status(connection_id: uuid.UUID, session: DbSession, actor: CurrentActor, tenant: ScopedTenant) -> SyncStatus:
    return sync.sync_status(session, actor=actor, tenant=tenant, connection_id=connection_id)


@router.get("/tickets/{zendesk_ticket_id}", response_model=TicketRead, summary="A synced ticket with its comments")
def read_ticket(
    zendesk_ticket_id: int,
    session: DbSession,
    keys: Keys,
    actor: CurrentActor,
    tenant: ScopedTenant,
    connection_id: ConnectionFilter = None,
) -> TicketRead:
    return people.read_ticket(
        session, keys, actor=actor, tenant=tenant, zendesk_ticket_id=zendesk_ticket_id, connection_id=connection_id
    )


@router.get("/users/{zendesk_user_id}", response_model=UserRead, summary="A synced Zendesk user")
def read_user(
    zendesk_user_id: int,
    session: DbSession,
    keys: Keys,
    actor: CurrentActor,
    tenant: ScopedTenant,
    connection_id: ConnectionFilter = None,
) -> UserRead:
    return people.read_user(
        session, keys, actor=actor, tenant=tenant, zendesk_user_id=zendesk_user_id, connection_id=connection_id
    )


@public.get("/api/v1/zendesk/oauth/callback", response_model=ConnectionRead, summary="Zendesk's OAuth redirect")
def oauth_callback(
    session: DbSession,
    runtime: RuntimeDep,
    code: Annotated[str, Query(max_length=2000)],
    state: Annotated[str, Query(max_length=200)],
) -> ConnectionRead:
    return connections.complete_oauth(session, runtime.keyring, runtime.settings, state=state, code=code, actor=SYSTEM)


# webhooks


@dataclass(frozen=True)
class _RouteTemplate:
    """What the access log reads from `scope["route"]`: the path template, never the path as sent."""

    path: str


WEBHOOK_PREFIX = "/webhooks/zendesk/"
WEBHOOK_ROUTE = _RouteTemplate(WEBHOOK_PREFIX + "{connection_id}")


class WebhookReceiver:
    """ASGI middleware answering `POST /webhooks/zendesk/{connection_id}` ahead of the router.

    Zendesk's deliveries are the platform's busiest traffic and need nothing of the
    framework: no body model, no dependencies, no authentication but their signature. They
    are answered here, inside the request-id, access-log and body-limit middleware, which
    still apply; everything else goes on to the application. Errors leave as
    application/problem+json like every other.
    """

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.inbox = WebhookInbox(runtime)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(WEBHOOK_PREFIX):
            await self.app(scope, receive, send)
            return
        scope["route"] = WEBHOOK_ROUTE
        try:
            if scope["method"] != "POST":
                raise MethodNotAllowed("webhooks are delivered with POST")
            try:
                connection_id = uuid.UUID(path[len(WEBHOOK_PREFIX) :])
            except ValueError:
                raise NotFound("zendesk connection: not a connection id") from None
            body = bytearray()
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    break
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            future, event_id = self.inbox.accept(connection_id, headers, bytes(body))
            stored = await future
        except OmniwiseError as exc:
            await _answer(send, exc.status_code, exc.to_problem(instance=path), "application/problem+json", exc.headers)
            return
        answer = {"status": "stored" if stored else "duplicate", "event_id": event_id}
        await _answer(send, 200, answer, "application/json", {})


async def _answer(send: Send, status: int, body: dict[str, Any], media_type: str, headers: dict[str, str]) -> None:
    raw = json.dumps(body).encode()
    extra = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", media_type.encode()), (b"content-length", str(len(raw)).encode()), *extra],
        }
    )
    await send({"type": "http.response.body", "body": raw})


# the sidebar app


def app_caller(request: Request, session: DbSession, runtime: RuntimeDep) -> zaf.AppCaller:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send the app's signed token as 'Authorization: Bearer TOKEN'")
    return zaf.verify_app_token(session, runtime.settings, token.strip())


AppCallerDep = Annotated[zaf.AppCaller, Depends(app_caller)]


@public.post("/zendesk-app/sidebar", response_class=HTMLResponse, summary="The sidebar page (Zendesk signed URL)")
def sidebar_page(session: DbSession, runtime: RuntimeDep, token: Annotated[str, Form(max_length=8000)]) -> HTMLResponse:
    caller = zaf.verify_app_token(session, runtime.settings, token)
    page = (zaf.APP_DIR / "assets" / "iframe.html").read_text(encoding="utf-8")
    filled = page.replace('name="omniwise-token" content=""', f'name="omniwise-token" content="{html.escape(token)}"')
    policy = (
        "default-src 'none'; script-src 'self' https://static.zdassets.com; style-src 'self'; img-src 'self'; "
        f"connect-src 'self'; frame-ancestors {caller.connection.base_url}"
    )
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "Content-Security-Policy": policy}
    return HTMLResponse(filled, headers=headers)


@public.get("/zendesk-app/assets/{name}", summary="The sidebar page's scripts and styles")
def sidebar_asset(name: str) -> Response:
    path = zaf.APP_DIR / "assets" / name
    if not ASSET_NAME.match(name) or not path.is_file():
        raise NotFound(f"asset {name} does not exist")
    return FileResponse(path)


@public.get(
    "/api/v1/zendesk-app/requesters/{requester_id}/privacy",
    response_model=RequesterPrivacy,
    summary="A requester's privacy status, for the sidebar",
)
def requester_privacy(requester_id: int, session: DbSession, caller: AppCallerDep) -> RequesterPrivacy:
    return zaf.requester_privacy(session, caller=caller, requester_zendesk_id=requester_id)


@public.post(
    "/api/v1/zendesk-app/requesters/{requester_id}/requests",
    response_model=AppRequestRead,
    status_code=201,
    summary="File a privacy request (access, copy, correction, deletion, opt-out) for a requester",
)
def file_request(
    requester_id: int,
    body: AppRequestCreate,
    response: Response,
    session: DbSession,
    runtime: RuntimeDep,
    caller: AppCallerDep,
) -> AppRequestRead:
    filed, created = zaf.file_request(session, runtime, caller=caller, requester_zendesk_id=requester_id, data=body)
    if not created:
        response.status_code = 200
    return filed
