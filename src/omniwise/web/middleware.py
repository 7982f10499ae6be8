"""ASGI middleware: request ids, a body size limit, and an access log without query strings.

Query strings can carry email addresses (`?email=`), so the access log records the
route template and never the URL as sent.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("omniwise.access")


class _TooLarge(Exception):
    pass


async def _send_problem(send: Send, status: int, title: str, detail: str, path: str) -> None:
    body = json.dumps(
        {
            "type": f"https://omniwise.com/problems/{title.lower().replace(' ', '-')}",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": path,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """Refuse bodies over the limit with 413, whether declared up front or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        detail = f"the request body exceeds the limit of {self.max_bytes} bytes"
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > self.max_bytes:
                    await _send_problem(send, 413, "Payload too large", detail, scope["path"])
                    return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _send_problem(send, 413, "Payload too large", detail, scope["path"])


class RequestContextMiddleware:
    """Give every request an id (echoed as X-Request-Id) and log it without personal data."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["started"] = message["status"], True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            # logged once, by type and route only; the traceback names code, not data
            log.error("unhandled %s [request %s]", type(exc).__name__, request_id, exc_info=exc)
            if status.get("started"):
                raise
            detail = f"an unexpected error occurred; quote request id {request_id}"
            await _send_problem(send_with_id, 500, "Internal error", detail, scope["path"])
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "(no route)"
            log.info(
                "%s %s %s %.1fms request=%s",
                scope["method"],
                template,
                status["code"],
                (time.perf_counter() - started) * 1000,
                request_id,
            )
