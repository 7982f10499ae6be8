"""The start page, and the home pages of the console and the portal, built from every domain's menu entries."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from omniwise.audit.status import latest_verification
from omniwise.auth.dependencies import DbSession
from omniwise.auth.roles import Permission
from omniwise.disclosures.records import disclosures_since
from omniwise.policy.service import list_versions
from omniwise.retention.service import active_hold_count, heartbeat_for
from omniwise.tenants.service import count_tenants, read_tenant
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


def _glance(session: DbSession, viewer: Staff) -> dict[str, Any]:
    """The essentials, each read through its own service and shown only to those who may read it."""
    actor = viewer.actor
    versions = list_versions(session)
    glance: dict[str, Any] = {"policy_version": versions[0] if versions else None}
    if viewer.can(Permission.AUDIT_READ):
        glance["audit"] = latest_verification(session, actor=actor)
    if viewer.can(Permission.RETENTION_READ):
        glance["heartbeat"] = heartbeat_for(session, actor=actor)
        glance["holds"] = active_hold_count(session, actor=actor)
    if viewer.can(Permission.TENANTS_LIST_ALL):
        glance["tenants"] = count_tenants(session, actor=actor)
    if viewer.can(Permission.DISCLOSURES_READ):
        glance["disclosures"] = disclosures_since(session, actor=actor, days=30)
    return glance


@router.get("/console")
def console_home(request: Request, session: DbSession, viewer: Staff) -> Response:
    links = [link for link in links_for(Surface.CONSOLE) if link.permission is None or viewer.can(link.permission)]
    return render(request, "console/home.html", {"sections": links, "glance": _glance(session, viewer)})


@router.get("/portal")
def portal_home(request: Request, session: DbSession, viewer: TenantUser, tenant: PortalTenant) -> Response:
    tenant = read_tenant(session, actor=viewer.actor, tenant=tenant)
    links = [link for link in links_for(Surface.PORTAL) if link.permission is None or viewer.can(link.permission)]
    return render(request, "portal/home.html", {"sections": links, "tenant": tenant})
