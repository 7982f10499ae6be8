"""The FastAPI application: routers, middleware, error mapping and readiness."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from omniwise.audit.endpoints import router as audit_router
from omniwise.contacts.endpoints import router as contacts_router
from omniwise.runtime import Runtime
from omniwise.tenants.endpoints import router as tenants_router
from omniwise.web import problems
from omniwise.web.middleware import BodyLimitMiddleware, RequestContextMiddleware
from omniwise.zendesk.endpoints import WebhookReceiver
from omniwise.zendesk.endpoints import public as zendesk_public_router
from omniwise.zendesk.endpoints import router as zendesk_router

DESCRIPTION = (
    "The platform behind Omni Wise's Zendesk apps. Every personal field is encrypted under "
    "its person's key, every access is audited, and every error is application/problem+json."
)


def create_app(
    runtime: Runtime,
    *,
    on_startup: Callable[[], None] | None = None,
    on_shutdown: Callable[[], None] | None = None,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if on_startup is not None:
            on_startup()
        app.state.ready = True
        try:
            yield
        finally:
            app.state.ready = False
            if on_shutdown is not None:
                on_shutdown()

    app = FastAPI(title="Omni Wise platform", version="0.1.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.runtime = runtime
    app.state.ready = False
    problems.install(app)
    app.include_router(tenants_router)
    app.include_router(contacts_router)
    app.include_router(audit_router)
    app.include_router(zendesk_router)
    app.include_router(zendesk_public_router)

    @app.get("/health", tags=["health"], summary="200 once the service is ready")
    def health() -> Any:
        if not app.state.ready:
            return JSONResponse({"status": "starting"}, status_code=503)
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok"}

    app.add_middleware(WebhookReceiver, runtime=runtime)
    app.add_middleware(BodyLimitMiddleware, max_bytes=runtime.settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    return app
