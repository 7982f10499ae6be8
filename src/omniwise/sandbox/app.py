"""The sandbox's HTTP face: Zendesk's read routes, authentication, rate limits and pagination over `Sandbox`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from omniwise.sandbox.emulator import MARKETPLACE_HEADERS, Sandbox
from omniwise.sandbox.operations import MAX_EXPORT_PAGE, MAX_LIST_PAGE, ApiError, list_page, not_found
from omniwise.sandbox.store import Ticket, User


def route(app: FastAPI, method: str, path: str, **kwargs: Any) -> Callable[[Any], Any]:
    """Zendesk answers a route with or without `.json`: register both."""

    def register(func: Any) -> Any:
        app.add_api_route(path, func, methods=[method], **kwargs)
        app.add_api_route(path + ".json", func, methods=[method], include_in_schema=False, **kwargs)
        return func

    return register


def int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, "InvalidParameter", f"{name} must be an integer") from None


def with_links(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """Add `links.next` to a list page, as Zendesk does, pointing back at this host."""
    meta = body.get("meta") or {}
    base = str(request.base_url).rstrip("/") + request.url.path
    size = int_param(request, "page[size]", MAX_LIST_PAGE)
    query = urlencode({"page[size]": size, "page[after]": meta.get("after_cursor")})
    body["links"] = {"next": f"{base}?{query}" if meta.get("has_more") else None, "prev": None}
    return body


def list_args(request: Request) -> dict[str, Any]:
    return {"size": int_param(request, "page[size]", MAX_LIST_PAGE), "after": request.query_params.get("page[after]")}


def export_args(request: Request) -> dict[str, Any]:
    start = request.query_params.get("start_time")
    if start is not None and not start.isdigit():
        raise ApiError(400, "InvalidValue", "start_time must be a Unix time")
    return {
        "cursor": request.query_params.get("cursor"),
        "start_time": int(start) if start is not None else None,
        "per_page": int_param(request, "per_page", MAX_EXPORT_PAGE),
    }


def with_after_url(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    base = str(request.base_url).rstrip("/") + request.url.path
    body["after_url"] = f"{base}?{urlencode({'cursor': body['after_cursor']})}"
    body["before_url"] = None
    return body


def install_guard(app: FastAPI, sandbox: Sandbox) -> None:
    """Marketplace headers, injected faults, authentication and rate limits for every /api/v2 call."""

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        path = request.url.path
        if not path.startswith("/api/v2/"):
            return await call_next(request)
        missing = any(name not in request.headers for name in MARKETPLACE_HEADERS)
        call = f"{request.method} {path}"
        sandbox.stats.count(call, missing_headers=missing)
        if missing and sandbox.config.require_marketplace_headers:
            return JSONResponse(
                {"error": "MissingMarketplaceHeaders", "description": "send the X-Zendesk-Marketplace headers"}, 400
            )
        fault = sandbox.take_fault(path)
        if fault is not None:
            return JSONResponse({"error": "InjectedFault", "description": "a fault the sandbox was asked for"}, fault)
        if not sandbox.authenticate(request.headers.get("authorization")):
            return JSONResponse({"error": "Couldn't authenticate you"}, 401)
        accepted, remaining, retry_after = sandbox.requests.hit()
        headers = {"X-Rate-Limit": str(sandbox.requests.limit), "X-Rate-Limit-Remaining": str(remaining)}
        if not accepted:
            sandbox.stats.count_refusal(call)
            headers["Retry-After"] = str(retry_after)
            return JSONResponse({"error": "APIRateLimitExceeded", "description": "Rate limit exceeded"}, 429, headers)
        if path.startswith("/api/v2/incremental/"):
            accepted, remaining, retry_after = sandbox.incremental.hit()
            headers["Zendesk-RateLimit-incremental-exports"] = (
                f"total={sandbox.incremental.limit}; remaining={remaining}; resets={retry_after}"
            )
            if not accepted:
                sandbox.stats.count_refusal(call)
                headers["Retry-After"] = str(retry_after)
                return JSONResponse(
                    {"error": "APIRateLimitExceeded", "description": "Incremental exports rate limit exceeded"},
                    429,
                    headers,
                )
        sandbox.stats.count_acceptance(call)
        response = await call_next(request)
        response.headers.update(headers)
        return response

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse({"error": exc.error, "description": exc.description}, exc.status)


def create_sandbox_app(sandbox: Sandbox) -> FastAPI:
    from omniwise.sandbox.app_writes import install_control, install_writes

    app = FastAPI(title="Zendesk sandbox (Omni Wise)", docs_url="/sandbox/docs", openapi_url="/sandbox/openapi.json")
    app.state.sandbox = sandbox
    install_guard(app, sandbox)
    store, ops = sandbox.store, sandbox.ops

    @app.get("/api/v2/incremental/tickets/cursor.json")
    def export_tickets(request: Request) -> dict[str, Any]:
        return with_after_url(request, ops.export_tickets(**export_args(request)))

    @app.get("/api/v2/incremental/users/cursor.json")
    def export_users(request: Request) -> dict[str, Any]:
        return with_after_url(request, ops.export_users(**export_args(request)))

    @route(app, "GET", "/api/v2/organizations")
    def list_organizations(request: Request) -> dict[str, Any]:
        return with_links(request, ops.organizations(**list_args(request)))

    @route(app, "GET", "/api/v2/organizations/{org_id:int}")
    def show_organization(org_id: int) -> dict[str, Any]:
        with store.lock:
            org = store.organizations.get(org_id)
            if org is None:
                raise not_found()
            return {"organization": org.to_json()}

    @route(app, "GET", "/api/v2/tickets")
    def list_tickets(request: Request) -> dict[str, Any]:
        with store.lock:
            live = [t for t in store.tickets.values() if t.deleted_at is None]
        return with_links(request, list_page(live, "tickets", Ticket.to_json, **list_args(request)))

    @route(app, "GET", "/api/v2/tickets/count")
    def count_tickets() -> dict[str, Any]:
        return ops.ticket_count()

    @route(app, "GET", "/api/v2/tickets/{ticket_id:int}")
    def show_ticket(ticket_id: int) -> dict[str, Any]:
        return ops.ticket(ticket_id)

    @route(app, "GET", "/api/v2/tickets/{ticket_id:int}/comments")
    def list_comments(request: Request, ticket_id: int) -> dict[str, Any]:
        return with_links(request, ops.comments(ticket_id, **list_args(request)))

    @route(app, "GET", "/api/v2/users/me")
    def show_me() -> dict[str, Any]:
        return {"user": {"id": 1, "name": "Sandbox admin", "email": sandbox.config.email, "role": "admin"}}

    @route(app, "GET", "/api/v2/users/{user_id:int}")
    def show_user(user_id: int) -> dict[str, Any]:
        return ops.user(user_id)

    @route(app, "GET", "/api/v2/users/{user_id:int}/tickets/requested")
    def requested_tickets(request: Request, user_id: int) -> dict[str, Any]:
        return with_links(request, ops.requested_tickets(user_id, **list_args(request)))

    @route(app, "GET", "/api/v2/deleted_users")
    def list_deleted_users(request: Request) -> dict[str, Any]:
        with store.lock:
            deleted = [u for u in store.users.values() if u.deleted_at is not None]
        return with_links(request, list_page(deleted, "deleted_users", User.to_json, **list_args(request)))

    @route(app, "GET", "/api/v2/deleted_users/{user_id:int}")
    def show_deleted_user(user_id: int) -> dict[str, Any]:
        with store.lock:
            user = store.users.get(user_id)
            if user is None or user.deleted_at is None:
                raise not_found()
            return {"deleted_user": user.to_json()}

    @route(app, "GET", "/api/v2/deleted_tickets")
    def list_deleted_tickets(request: Request) -> dict[str, Any]:
        with store.lock:
            deleted = [t for t in store.tickets.values() if t.deleted_at is not None]
        return with_links(request, list_page(deleted, "deleted_tickets", Ticket.to_json, **list_args(request)))

    install_writes(app, sandbox)
    install_control(app, sandbox)
    return app
