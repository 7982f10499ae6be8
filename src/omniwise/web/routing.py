"""Pages: the HTML routes of the console, the portal and the privacy center, found in each domain's `pages.py`.

A domain that shows pages has a `pages.py` with

    router = PageRouter()                      # its routes, HTML, out of the API schema
    navigation = [NavLink(Surface.PORTAL, ...)]  # optional: its entries in the menus

Every such module is found on disk and mounted by `omniwise.app`, so adding a page needs
no shared list. Every route of a PageRouter checks the CSRF token on unsafe methods and
sends the security headers of an HTML page; the JSON API is not affected.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import ModuleType
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute

from omniwise.auth.roles import Permission

# script and style only from this origin; no inline code, no framing, forms post only here
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # pages can show personal data: no copy in shared or browser caches
    "Cache-Control": "no-store",
}
COOKIES_KEY = "omniwise_page_cookies"


class Surface(StrEnum):
    CONSOLE = "console"
    PORTAL = "portal"
    PRIVACY = "privacy"


@dataclass(frozen=True)
class NavLink:
    """An entry in a surface's menu and on its home page; shown to those who hold `permission`."""

    surface: Surface
    label: str
    path: str
    description: str = ""
    permission: Permission | None = None
    order: int = 100


def secure(response: Response) -> Response:
    for name, value in PAGE_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def queue_cookie(request: Request, apply: Callable[[Response], None]) -> None:
    """Set a cookie on whatever response the page returns (a page often returns its own Response)."""
    queued: list[Callable[[Response], None]] | None = getattr(request.state, COOKIES_KEY, None)
    if queued is None:
        queued = []
        setattr(request.state, COOKIES_KEY, queued)
    queued.append(apply)


def apply_cookies(request: Request, response: Response) -> Response:
    queued: list[Callable[[Response], None]] = getattr(request.state, COOKIES_KEY, None) or []
    setattr(request.state, COOKIES_KEY, [])
    for apply in queued:
        apply(response)
    return response


class PageRoute(APIRoute):
    """A route that answers HTML: security headers and queued cookies on every response."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            response = await handler(request)
            return secure(apply_cookies(request, response))

        return page_handler


class PageRouter(APIRouter):
    def __init__(self, **kwargs: Any) -> None:
        from omniwise.web.viewer import csrf_protect

        dependencies = [Depends(csrf_protect), *kwargs.pop("dependencies", [])]
        super().__init__(
            route_class=PageRoute,
            include_in_schema=False,
            default_response_class=HTMLResponse,
            dependencies=dependencies,
            **kwargs,
        )


def is_page(request: Request) -> bool:
    """Whether an answer to `request` should be a page: a page route, or a browser on no route at all."""
    route = request.scope.get("route")
    if isinstance(route, PageRoute):
        return True
    if route is not None or request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


_modules: list[ModuleType] | None = None


def page_modules() -> list[ModuleType]:
    """Every `omniwise.<domain>.pages` module, imported once."""
    global _modules
    if _modules is None:
        package = Path(__file__).resolve().parent.parent
        found = []
        for path in sorted(package.glob("*/pages.py")):
            module = importlib.import_module(f"omniwise.{path.parent.name}.pages")
            if not isinstance(getattr(module, "router", None), PageRouter):
                raise TypeError(f"{module.__name__} must define `router = PageRouter()`")
            found.append(module)
        _modules = found
    return _modules


def links_for(surface: Surface) -> Sequence[NavLink]:
    links = [link for module in page_modules() for link in getattr(module, "navigation", ())]
    return sorted((link for link in links if link.surface == surface), key=lambda link: (link.order, link.label))
