"""HTTP endpoints for cookie consent: the banner script, the consent record, the cookie page.

They serve people, not API clients: no API key, and `/privacy/consent` may be called from
any site that embeds the banner (CORS without credentials).
"""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Cookie, Request, Response
from fastapi.responses import HTMLResponse

from omniwise.auth.dependencies import DbSession, RuntimeDep
from omniwise.consent import service
from omniwise.consent.page import cookies_page
from omniwise.consent.schemas import ConsentChoice, ConsentState
from omniwise.consent.script import CONSENT_COOKIE, consent_script
from omniwise.consent.secret import consent_secret

router = APIRouter(tags=["consent"])

CORS = {"Access-Control-Allow-Origin": "*"}


def _gpc(request: Request) -> bool:
    return request.headers.get("sec-gpc", "").strip() == "1"


def _origin(request: Request) -> str | None:
    parts = urlsplit(request.headers.get("origin", ""))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else None


def _cookie_consent_id(raw: str | None) -> uuid.UUID | None:
    parts = (raw or "").split(".")
    try:
        return uuid.UUID(parts[1]) if len(parts) == 4 and parts[0] == "v1" else None
    except ValueError:
        return None


@router.get("/consent.js", summary="The cookie banner and preferences dialog (JavaScript, no dependencies)")
def script(request: Request, runtime: RuntimeDep) -> Response:
    policy = runtime.policy
    body = consent_script(policy, service.cookies_of(policy), gpc_header=_gpc(request))
    return Response(
        body,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "Vary": "Sec-GPC", **CORS},
    )


@router.get("/privacy/consent", response_model=ConsentState, summary="The cookie choice in force for a browser")
def read_consent(
    response: Response,
    session: DbSession,
    runtime: RuntimeDep,
    consent_id: uuid.UUID | None = None,
    ow_consent: Annotated[str | None, Cookie(alias=CONSENT_COOKIE)] = None,
) -> ConsentState:
    response.headers.update(CORS)
    wanted = consent_id or _cookie_consent_id(ow_consent)
    return service.current_consent(session, policy=runtime.policy, consent_id=wanted)


@router.post(
    "/privacy/consent", status_code=201, response_model=ConsentState, summary="Give, change or withdraw a cookie choice"
)
def give_consent(
    body: ConsentChoice, request: Request, response: Response, session: DbSession, runtime: RuntimeDep
) -> ConsentState:
    response.headers.update(CORS)
    return service.record_consent(
        session,
        policy=runtime.policy,
        consent_id=body.consent_id,
        choices=body.choices,
        source=body.source,
        gpc=_gpc(request),
        origin=_origin(request),
        ip=request.client.host if request.client else None,
        secret=consent_secret(runtime.settings),
    )


@router.options("/privacy/consent", include_in_schema=False)
def consent_preflight() -> Response:
    return Response(
        status_code=204,
        headers={
            **CORS,
            "Access-Control-Allow-Methods": "GET, POST",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "86400",
        },
    )


@router.get("/privacy/cookies", response_class=HTMLResponse, summary="The cookies we use, with the banner")
def cookie_page(runtime: RuntimeDep) -> HTMLResponse:
    policy = runtime.policy
    return HTMLResponse(cookies_page(policy, service.cookies_of(policy)))
