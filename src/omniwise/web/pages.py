"""The start page, and the home pages of the console and the portal, built from every domain's menu entries."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from omniwise.auth.dependencies import DbSession
from omniwise.tenants.service import read_tenant
from omniwise.web.routing import PageRouter, Surface, links_for
from omniwise.web.templating import render, see_other
from omniwise.web.viewer import Context, PortalTenant, Staff, TenantUser

router = PageRouter()


@router.get("/")
def start(request: Request, context: Context) -> Response:
    """Staff go to the console, the people of a business to its portal, everyone else may choose."""
    if context.viewer is not None:
        return see_other("/console" if context.viewer.is_staff else "/portal")
    if context.pending_stage is not None:
        return see_other("/login/second-factor")
    return render(request, "start.html")


@router.get("/console")
def console_home(request: Request, viewer: Staff) -> Response:
    links = [link for link in links_for(Surface.CONSOLE) if link.permission is None or viewer.can(link.permission)]
    return render(request, "console/home.html", {"sections": links})


@router.get("/portal")
def portal_home(request: Request, session: DbSession, viewer: TenantUser, tenant: PortalTenant) -> Response:
    tenant = read_tenant(session, actor=viewer.actor, tenant=tenant)
    links = [link for link in links_for(Surface.PORTAL) if link.permission is None or viewer.can(link.permission)]
    return render(request, "portal/home.html", {"sections": links, "tenant": tenant})
