"""Console pages of retention: the runs (with their weekly volumes and per-category counts) and legal holds."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response

from omniwise.auth.dependencies import DbSession, RuntimeDep
from omniwise.auth.roles import Permission
from omniwise.retention import service
from omniwise.retention.schemas import HoldCreate, HoldScope
from omniwise.tenants import service as tenants
from omniwise.web.charts import Chart, Series, figure, week_label
from omniwise.web.forms import Form, Submitted, attempt, read, validate
from omniwise.web.routing import NavLink, PageRouter, Surface
from omniwise.web.templating import render, see_other
from omniwise.web.viewer import Staff

router = PageRouter()
navigation = [
    NavLink(
        Surface.CONSOLE,
        "Retention",
        "/console/retention",
        "Whether retention is running, what each run deleted, and its weekly volumes.",
        Permission.RETENTION_READ,
        order=50,
    ),
    NavLink(
        Surface.CONSOLE,
        "Legal holds",
        "/console/retention/holds",
        "Records kept past their period for a legal reason: place and release holds.",
        Permission.RETENTION_HOLDS,
        order=55,
    ),
]
HOLD_FIELDS = ["scope", "tenant_id", "subject_id", "category", "reason", "ends_on"]
PAGE = 20


def _volumes(session: DbSession, viewer: Staff) -> Any:
    weeks = service.volumes_per_week(session, actor=viewer.actor)
    chart = Chart(
        "Rows deleted and anonymised by real retention runs, per week (weeks start on Monday, UTC)",
        [week_label(week.week) for week in weeks],
        [
            Series("Deleted", [week.deleted for week in weeks]),
            Series("Anonymised", [week.anonymised for week in weeks]),
        ],
        y_label="rows",
    )
    return figure(chart)


@router.get("/console/retention")
def retention_page(
    request: Request,
    session: DbSession,
    viewer: Staff,
    before: Annotated[datetime | None, Query()] = None,
    dry: Annotated[bool, Query()] = True,
) -> Response:
    runs = service.list_runs(session, actor=viewer.actor, limit=PAGE, before=before, include_dry_runs=dry)
    values = {
        "runs": runs,
        "next_before": runs[-1].started_at.isoformat() if len(runs) == PAGE else None,
        "dry": dry,
        "heartbeat": service.heartbeat_for(session, actor=viewer.actor),
        "volumes": _volumes(session, viewer) if before is None else None,
    }
    return render(request, "console/retention.html", values)


@router.get("/console/retention/runs/{run_id}")
def run_page(request: Request, session: DbSession, viewer: Staff, run_id: uuid.UUID) -> Response:
    run = service.get_run(session, actor=viewer.actor, run_id=run_id)
    return render(request, "console/retention_run.html", {"run": run})


def _holds_values(
    session: DbSession, runtime: RuntimeDep, viewer: Staff, form: Form, include_ended: bool
) -> dict[str, Any]:
    holds = service.list_holds(session, actor=viewer.actor, include_ended=include_ended)
    return {
        "holds": [service.hold_read(hold) for hold in holds],
        "form": form,
        "include_ended": include_ended,
        "categories": runtime.policy.categories,
        "businesses": tenants.list_tenants(session, actor=viewer.actor, cursor=None, limit=200).items,
        "scopes": [scope.value for scope in HoldScope],
    }


@router.get("/console/retention/holds")
def holds_page(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    viewer: Staff,
    ended: Annotated[bool, Query()] = False,
) -> Response:
    form = Form(values=dict.fromkeys(HOLD_FIELDS, "") | {"scope": HoldScope.TENANT.value})
    return render(request, "console/holds.html", _holds_values(session, runtime, viewer, form, ended))


def _place(form: Form) -> None:
    """Put the schema's and the service's messages that name a field beside it (`ends_at` is the form's `ends_on`)."""
    kept = []
    for message in form.general:
        name, sep, text = message.removeprefix("form: ").partition(": ")
        name = "ends_on" if name == "ends_at" else name
        if sep and name in form.values and name not in form.errors:
            form.errors[name] = text
        else:
            kept.append(message)
    form.general = kept
    if "ends_on" in form.errors and not form.value("ends_on").strip():
        form.errors["ends_on"] = "choose the day the hold ends"


def _hold_body(form: Form) -> HoldCreate | None:
    scope = form.value("scope")
    target = {"tenant": "tenant_id", "subject": "subject_id", "category": "category"}.get(scope)
    ends_on = form.value("ends_on").strip()
    data: dict[str, object] = {
        "scope": scope,
        "reason": form.value("reason"),
        # like the command line's --until: the hold ends as that day begins, in UTC
        "ends_at": f"{ends_on}T00:00:00Z" if ends_on else None,
    }
    if target is not None:
        data[target] = form.value(target).strip() or None
    body = validate(HoldCreate, form, data=data)
    _place(form)
    return body


@router.post("/console/retention/holds")
def hold_create(request: Request, session: DbSession, runtime: RuntimeDep, viewer: Staff, data: Submitted) -> Response:
    form = read(data, HOLD_FIELDS)
    body = _hold_body(form)
    if body is not None:
        actor = viewer.actor
        hold = attempt(session, form, lambda: service.create_hold(session, actor=actor, data=body))
        _place(form)
        if hold is not None:
            message = f"The hold is placed; it lasts until {hold.ends_at:%Y-%m-%d %H:%M} UTC unless released."
            return see_other("/console/retention/holds", request=request, message=message)
    values = _holds_values(session, runtime, viewer, form, False)
    return render(request, "console/holds.html", values, status_code=form.status)


@router.post("/console/retention/holds/{hold_id}/release")
def hold_release(request: Request, session: DbSession, viewer: Staff, hold_id: uuid.UUID) -> Response:
    service.release_hold(session, actor=viewer.actor, hold_id=hold_id)
    return see_other(
        "/console/retention/holds",
        request=request,
        message="The hold is released; the next run treats its records like any others.",
    )
