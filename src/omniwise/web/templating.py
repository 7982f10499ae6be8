"""Rendering pages: the Jinja2 environment of the package's templates, and what every page knows."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from omniwise.errors import OmniwiseError
from omniwise.web.routing import Surface, apply_cookies, links_for, secure
from omniwise.web.viewer import CSRF_FIELD, FLASH_COOKIE, PageContext, clear_cookie, set_cookie

STATIC_DIR = Path(__file__).parent / "static"
HTMX = "vendor/htmx-2.0.11.min.js"


@functools.cache
def static_url(path: str) -> str:
    """A static file's URL with a digest of its content, so a changed file is never served stale."""
    digest = hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]
    return f"/static/{path}?v={digest}"


environment = Environment(
    loader=PackageLoader("omniwise.web", "templates"),
    autoescape=select_autoescape(["html", "svg"], default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# Stripe counts amounts in the currency's smallest unit; these currencies have no smaller unit
ZERO_DECIMAL = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)


def money(amount: int, currency: str) -> str:
    """An amount in a currency's smallest unit, as people write it: 1234, "eur" -> "12.34 EUR"."""
    if currency.lower() in ZERO_DECIMAL:
        return f"{amount:,} {currency.upper()}"
    return f"{amount / 100:,.2f} {currency.upper()}"


environment.globals.update(static=static_url, htmx=HTMX, csrf_field=CSRF_FIELD, Surface=Surface)
environment.filters["money"] = money


def _context_of(request: Request) -> PageContext | None:
    context = getattr(request.state, "page_context", None)
    return context if isinstance(context, PageContext) else None


def flash(request: Request, message: str) -> None:
    """A one-line message for the next page this browser sees (never personal data)."""
    context = _context_of(request)
    if context is not None:
        set_cookie(request, context.settings, FLASH_COOKIE, quote(message[:300]), max_age=120)


def _take_flash(request: Request) -> str | None:
    value = request.cookies.get(FLASH_COOKIE)
    context = _context_of(request)
    if not value or context is None:
        return None
    clear_cookie(request, context.settings, FLASH_COOKIE)
    return unquote(value)


def surface_of(context: PageContext | None) -> Surface | None:
    viewer = context.viewer if context else None
    if viewer is None:
        return None
    return Surface.CONSOLE if viewer.is_staff else Surface.PORTAL


def render(
    request: Request, template: str, values: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    context = _context_of(request)
    viewer = context.viewer if context else None
    surface = surface_of(context)
    links = (
        [link for link in links_for(surface) if link.permission is None or (viewer and viewer.can(link.permission))]
        if surface
        else []
    )
    page: dict[str, Any] = {
        "request": request,
        "path": request.url.path,
        "viewer": viewer,
        "surface": surface,
        "nav": links,
        "privacy_nav": links_for(Surface.PRIVACY),
        "csrf_token": context.csrf_token if context else "",
        "flash": _take_flash(request),
        "is_htmx": request.headers.get("hx-request") == "true",
        "form": None,
    }
    page.update(values or {})
    html = environment.get_template(template).render(page)
    return HTMLResponse(html, status_code=status_code)


def see_other(url: str, *, request: Request | None = None, message: str | None = None) -> RedirectResponse:
    """Post/redirect/get: after a change, send the browser to a page it can reload safely."""
    if request is not None and message:
        flash(request, message)
    return RedirectResponse(url, status_code=303)


def render_problem(request: Request, error: OmniwiseError) -> HTMLResponse | RedirectResponse:
    """An error as a page; a page that needs a signed-in person sends the browser to sign in."""
    if error.status_code == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response: HTMLResponse | RedirectResponse = RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    else:
        response = render(request, "error.html", {"error": error}, status_code=error.status_code)
    for name, value in error.headers.items():
        response.headers[name] = value
    apply_cookies(request, response)
    secure(response)
    return response
