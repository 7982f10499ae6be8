"""Every error leaves as application/problem+json (RFC 9457), mapped in one place.

Validation errors name the field and the rule, never echo the value sent: the value may
be someone's email address.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from omniwise.errors import BadRequest, Gone, NotFound, OmniwiseError, ValidationFailed
from omniwise.keys import KeyDestroyed
from omniwise.web.routing import is_page
from omniwise.web.templating import render_problem

log = logging.getLogger("omniwise.web")

PROBLEM_JSON = "application/problem+json"


def problem_response(error: OmniwiseError, request: Request, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        error.to_problem(instance=request.url.path),
        status_code=error.status_code,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        where, rest = parts[0], parts[1:]
        return f"{where}.{'.'.join(rest)}" if rest else where
    return ".".join(parts)


def error_message(err: Any) -> str:
    """What a validation error says about its field; the pages show the same words next to the field."""
    if err.get("type") == "extra_forbidden":
        return "unknown field"
    return str(err.get("msg", "invalid")).removeprefix("Value error, ")


def _validation_problem(exc: RequestValidationError, content_type: str) -> OmniwiseError:
    errors = exc.errors()
    body_not_json = any(
        tuple(e.get("loc", ())) == ("body",) and e.get("type") == "model_attributes_type" for e in errors
    )
    if body_not_json and "json" not in content_type:
        return BadRequest("the request body must be JSON, sent with 'Content-Type: application/json'")
    if any(e.get("type") == "json_invalid" for e in errors):
        position = next((e.get("ctx", {}).get("error") for e in errors if e.get("type") == "json_invalid"), None)
        return BadRequest(f"the request body is not valid JSON{f' ({position})' if position else ''}")
    listed = [
        {"field": _location(err.get("loc", ())), "message": error_message(err), "type": err.get("type")}
        for err in errors
    ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in listed)
    return ValidationFailed(detail, extra={"errors": listed})


def install(app: FastAPI) -> None:
    @app.exception_handler(OmniwiseError)
    async def _omniwise(request: Request, exc: OmniwiseError) -> Response:
        if is_page(request):
            return render_problem(request, exc)
        return problem_response(exc, request, headers=exc.headers or None)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        error = _validation_problem(exc, request.headers.get("content-type", ""))
        if is_page(request):
            # a page's only parameters are ids in its path: one that is not an id names nothing
            return render_problem(request, NotFound(f"no page at {request.url.path}"))
        return problem_response(error, request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        error = OmniwiseError(str(exc.detail))
        error.status_code = exc.status_code
        error.title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "HTTP error")
        if exc.status_code == 404 and exc.detail == "Not Found":
            error.detail = f"no endpoint at {request.url.path}"
            if is_page(request):
                error.detail = f"no page at {request.url.path}"
        if is_page(request):
            error.headers = dict(exc.headers or {})
            return render_problem(request, error)
        return problem_response(error, request, headers=dict(exc.headers or {}))

    @app.exception_handler(KeyDestroyed)
    async def _destroyed(request: Request, exc: KeyDestroyed) -> Response:
        error = Gone("this person's data has been erased")
        if is_page(request):
            return render_problem(request, error)
        return problem_response(error, request)
