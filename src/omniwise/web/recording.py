"""ASGI middleware recording each use of the platform's API: a usage event, and the device and network it came from.

It runs after the response has been sent, in a transaction of its own: a request that
failed is still a use (its outcome says so), and a failure to record never changes what
the caller received. What it records comes from the route template and the ids the
authentication dependencies left on the request, never from the URL, query or body.
"""

from __future__ import annotations

import functools
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omniwise.devices.service import record_sighting
from omniwise.runtime import Runtime
from omniwise.usage.service import outcome_of, record_usage

log = logging.getLogger("omniwise.usage")

API_PREFIX = "/api/"


@dataclass(frozen=True)
class RequestUse:
    feature: str
    status: int
    tenant_id: uuid.UUID | None
    actor_type: str | None
    actor_id: str | None
    ip: str | None
    user_agent: str | None


class UsageRecordingMiddleware:
    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        status = {"code": 500}

        async def tracking_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        finally:
            use = _use_of(scope, status["code"])
            if use is not None:
                await anyio.to_thread.run_sync(functools.partial(self._record, use))

    def _record(self, use: RequestUse) -> None:
        try:
            with self.runtime.transaction() as session:
                record_usage(
                    session,
                    feature=use.feature,
                    outcome=outcome_of(use.status),
                    tenant_id=use.tenant_id,
                    actor_type=use.actor_type,
                    actor_id=use.actor_id,
                )
                if use.actor_id is not None and use.ip is not None:
                    record_sighting(
                        session, tenant_id=use.tenant_id, actor_id=use.actor_id, ip=use.ip, user_agent=use.user_agent
                    )
        except Exception as exc:
            log.warning("usage of %s not recorded (%s)", use.feature, type(exc).__name__)


def _use_of(scope: Scope, status: int) -> RequestUse | None:
    route = scope.get("route")
    template = getattr(route, "path", None)
    if template is None:
        return None  # no route matched: not a feature of the platform
    state: dict[str, Any] = scope.get("state") or {}
    tenant_id = state.get("tenant_id") or state.get("actor_tenant_id")
    client = scope.get("client")
    agent = next((value.decode("latin-1") for name, value in scope.get("headers", []) if name == b"user-agent"), None)
    return RequestUse(
        feature=f"{scope['method']} {template}",
        status=status,
        tenant_id=tenant_id if isinstance(tenant_id, uuid.UUID) else None,
        actor_type=state.get("actor_type"),
        actor_id=state.get("actor_id"),
        ip=client[0] if client else None,
        user_agent=agent,
    )
