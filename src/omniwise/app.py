"""The FastAPI application: routers, middleware, error mapping and readiness."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from omniwise.audit.endpoints import router as audit_router
from omniwise.billing.endpoints import router as billing_router
from omniwise.billing.endpoints import webhooks as billing_webhooks
from omniwise.consent.endpoints import router as consent_router
from omniwise.contacts.endpoints import router as contacts_router
from omniwise.disclosures.endpoints import records_router as disclosures_router
from omniwise.disclosures.endpoints import router as sharing_router
from omniwise.messaging.endpoints import router as messaging_router
from omniwise.messaging.endpoints import tenant_router as opt_outs_router
from omniwise.policy.endpoints import router as notice_router
from omniwise.policy.endpoints import tenant_router as notice_tenant_router
from omniwise.privacy.endpoints import public as privacy_public_router
from omniwise.privacy.endpoints import router as privacy_requests_router
from omniwise.retention.endpoints import router as retention_router
from omniwise.runtime import Runtime
from omniwise.tenants.endpoints import router as tenants_router
from omniwise.usage.endpoints import router as usage_router
from omniwise.users.throttle import AddressThrottle
from omniwise.web import problems
from omniwise.web.middleware import BodyLimitMiddleware, RequestContextMiddleware
from omniwise.web.recording import UsageRecordingMiddleware
from omniwise.web.routing import page_modules
from omniwise.web.templating import STATIC_DIR, static_url
from omniwise.zendesk.endpoints import WebhookReceiver
from omniwise.zendesk.endpoints import public as zendesk_public_router
from omniwise.zendesk.endpoints import router as zendesk_router

SWAGGER_UI = "vendor/swagger-ui-dist-5.35.0/"
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

    # the API reference is served from files shipped in the package: nothing is fetched from a CDN
    app = FastAPI(
        title="Omni Wise platform",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = runtime
    app.state.ready = False
    problems.install(app)
    app.include_router(tenants_router)
    app.include_router(contacts_router)
    app.include_router(audit_router)
    # the pages of the console, the portal and the privacy center: every omniwise/<domain>/pages.py
    for module in page_modules():
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.state.login_throttle = AddressThrottle()
    app.include_router(sharing_router)
    app.include_router(disclosures_router)
    app.include_router(notice_tenant_router)
    app.include_router(notice_router)
    app.include_router(messaging_router)
    app.include_router(opt_outs_router)
    app.include_router(billing_router)
    app.include_router(billing_webhooks)
    app.include_router(retention_router)
    app.include_router(usage_router)
    app.include_router(consent_router)
    app.include_router(zendesk_router)
    app.include_router(zendesk_public_router)
    app.include_router(privacy_requests_router)
    app.include_router(privacy_public_router)

    @app.get("/docs", include_in_schema=False)
    def api_reference() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - API reference",
            swagger_js_url=static_url(SWAGGER_UI + "swagger-ui-bundle.js"),
            swagger_css_url=static_url(SWAGGER_UI + "swagger-ui.css"),
            swagger_favicon_url=static_url("favicon.svg"),
        )

    @app.get("/health", tags=["health"], summary="200 once the service is ready")
    def health() -> Any:
        if not app.state.ready:
            return JSONResponse({"status": "starting"}, status_code=503)
        with runtime.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok"}

    app.add_middleware(UsageRecordingMiddleware, runtime=runtime)
    app.add_middleware(WebhookReceiver, runtime=runtime)
    app.add_middleware(BodyLimitMiddleware, max_bytes=runtime.settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    return app
