"""Who is looking at a page: the session cookie resolved to a person, their Actor, and the CSRF check.

A signed-in person becomes an `Actor` of kind "user" and calls the same services as an
API key does, so every permission is checked in one place. Forms carry a token derived
from the session's secret (or, before sign-in, from an anonymous visit cookie); every
unsafe request to a page must send it back, as the `csrf_token` field or the
`X-CSRF-Token` header.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Request, Response

from omniwise.auth.actor import Actor
from omniwise.auth.dependencies import DbSession, RuntimeDep
from omniwise.auth.roles import Permission
from omniwise.config import Settings
from omniwise.errors import Forbidden, Unauthorized
from omniwise.tenants.models import Tenant
from omniwise.tenants.service import get_scoped_tenant
from omniwise.users import crypto, sessions
from omniwise.users.models import User, UserSession
from omniwise.users.service import actor_for
from omniwise.web.routing import queue_cookie

SESSION_COOKIE = "ow_session"
VISIT_COOKIE = "ow_visit"
FLASH_COOKIE = "ow_flash"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(Forbidden):
    """An unsafe request to a page without the form token of this browser's session."""


def cookie_secure(settings: Settings, request: Request) -> bool:
    """Secure everywhere except local development and tests over plain http."""
    return not (settings.environment in ("development", "test") and request.url.scheme == "http")


def set_cookie(request: Request, settings: Settings, name: str, value: str, *, max_age: int | None = None) -> None:
    secure = cookie_secure(settings, request)

    def apply(response: Response) -> None:
        response.set_cookie(name, value, max_age=max_age, path="/", secure=secure, httponly=True, samesite="lax")

    queue_cookie(request, apply)


def clear_cookie(request: Request, settings: Settings, name: str) -> None:
    secure = cookie_secure(settings, request)

    def apply(response: Response) -> None:
        response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")

    queue_cookie(request, apply)


@dataclass(frozen=True)
class Viewer:
    """A signed-in person, with the Actor the services see."""

    user: User
    session: UserSession
    actor: Actor
    name: str

    @property
    def is_staff(self) -> bool:
        return self.actor.role is not None and self.actor.role.is_vendor_staff

    def can(self, permission: Permission) -> bool:
        return self.actor.can(permission)


@dataclass
class PageContext:
    """What one request knows about its browser: its live session (if any) and its CSRF seed."""

    settings: Settings
    token: str | None = None
    row: UserSession | None = None
    user: User | None = None
    viewer: Viewer | None = None
    visit: str | None = None

    @property
    def csrf_seed(self) -> str | None:
        return self.token or self.visit

    @property
    def csrf_token(self) -> str:
        seed = self.csrf_seed
        return sessions.csrf_token(seed) if seed else ""

    @property
    def pending_stage(self) -> str | None:
        """ "enrol" or "verify" while the second sign-in step is outstanding."""
        if self.row is not None and self.row.stage != sessions.FULL:
            return self.row.stage
        return None


def page_context(request: Request, session: DbSession, runtime: RuntimeDep) -> PageContext:
    cached = getattr(request.state, "page_context", None)
    if isinstance(cached, PageContext):
        return cached
    settings = runtime.settings
    context = PageContext(settings=settings)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        found = sessions.resolve(session, token=token, settings=settings)
        if found is None:
            clear_cookie(request, settings, SESSION_COOKIE)
        else:
            context.token, (context.row, context.user) = token, found
            if context.row.stage == sessions.FULL:
                user = context.user
                name = crypto.open_field(runtime.keyring, user, "name") or crypto.open_field(
                    runtime.keyring, user, "email"
                )
                context.viewer = Viewer(user=user, session=context.row, actor=actor_for(user), name=name or "")
    visit = request.cookies.get(VISIT_COOKIE)
    if context.token is None and not visit:
        # a strictly necessary cookie: it lets the forms of a visitor who has not signed in
        # carry a token that another site cannot know
        visit = secrets.token_urlsafe(32)
        set_cookie(request, settings, VISIT_COOKIE, visit)
    context.visit = visit
    request.state.page_context = context
    return context


Context = Annotated[PageContext, Depends(page_context)]


async def csrf_protect(request: Request, context: Context) -> None:
    """Refuse an unsafe request that does not carry this browser's form token."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    seed = context.csrf_seed
    if seed is None or not sessions.csrf_matches(seed, sent):
        raise CsrfRefused(
            "csrf_token: this form has expired or did not come from this site; reload the page and try again"
        )


def optional_viewer(context: Context) -> Viewer | None:
    return context.viewer


def signed_in(context: Context) -> Viewer:
    if context.viewer is None:
        raise Unauthorized("sign in to see this page")
    return context.viewer


def staff_only(viewer: Annotated[Viewer, Depends(signed_in)]) -> Viewer:
    if not viewer.is_staff:
        raise Forbidden("the console is for Omni Wise staff; your business's pages are in the portal")
    return viewer


def tenant_user_only(viewer: Annotated[Viewer, Depends(signed_in)]) -> Viewer:
    if viewer.actor.tenant_id is None:
        raise Forbidden("the portal is for the people of a business; staff work in the console")
    return viewer


OptionalViewer = Annotated[Viewer | None, Depends(optional_viewer)]
SignedIn = Annotated[Viewer, Depends(signed_in)]
Staff = Annotated[Viewer, Depends(staff_only)]
TenantUser = Annotated[Viewer, Depends(tenant_user_only)]


def portal_tenant(session: DbSession, viewer: TenantUser) -> Tenant:
    """The portal shows the viewer's own business, and only it: the tenant never comes from the URL."""
    assert viewer.actor.tenant_id is not None
    return get_scoped_tenant(session, actor=viewer.actor, tenant_id=viewer.actor.tenant_id)


def console_tenant(
    session: DbSession, viewer: Staff, tenant_id: Annotated[uuid.UUID, Path(description="The tenant's id")]
) -> Tenant:
    return get_scoped_tenant(session, actor=viewer.actor, tenant_id=tenant_id)


PortalTenant = Annotated[Tenant, Depends(portal_tenant)]
ConsoleTenant = Annotated[Tenant, Depends(console_tenant)]
