"""The console's page for the audit chain: its verification status, checked again on demand."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from omniwise.audit.status import events_per_week, latest_verification, verify_now
from omniwise.auth.actor import Actor
from omniwise.auth.dependencies import DbSession, RuntimeDep
from omniwise.auth.roles import Permission
from omniwise.web.charts import Chart, Series, figure, week_label
from omniwise.web.routing import NavLink, PageRouter, Surface
from omniwise.web.templating import render
from omniwise.web.viewer import Staff

router = PageRouter()
navigation = [
    NavLink(
        Surface.CONSOLE,
        "Audit chain",
        "/console/audit",
        "Whether the tamper-evident audit log is intact.",
        Permission.AUDIT_READ,
        order=30,
    ),
]


def _activity(session: DbSession, actor: Actor) -> object:
    weeks = events_per_week(session, actor=actor)
    chart = Chart(
        "Audit events per week (weeks start on Monday, UTC)",
        [week_label(start) for start, _ in weeks],
        [Series("Events recorded", [count for _, count in weeks])],
        y_label="events",
    )
    return figure(chart)


@router.get("/console/audit")
def audit_page(request: Request, session: DbSession, viewer: Staff) -> Response:
    latest = latest_verification(session, actor=viewer.actor)
    values = {"latest": latest, "result": None, "activity": _activity(session, viewer.actor)}
    return render(request, "console/audit.html", values)


@router.post("/console/audit/verify")
def audit_verify(request: Request, session: DbSession, runtime: RuntimeDep, viewer: Staff) -> Response:
    """Walk the whole chain now; with htmx only the status panel is replaced, without it the whole page."""
    result = verify_now(session, actor=viewer.actor, anchor_sink=runtime.anchor_sink)
    if request.headers.get("hx-request") == "true":
        return render(request, "console/_audit_result.html", {"result": result})
    latest = latest_verification(session, actor=viewer.actor)
    values = {"latest": latest, "result": result, "activity": _activity(session, viewer.actor)}
    return render(request, "console/audit.html", values)
