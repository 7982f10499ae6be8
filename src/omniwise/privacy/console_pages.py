"""The console's privacy requests: the queue (overdue first), each request with its steps, report and evidence.

Staff read requests with `privacy-requests:read`; extending and refusing need
`privacy-requests:manage`. Every figure and every action comes from
`omniwise.privacy.service`, the same functions the API calls.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response

from omniwise.audit.status import events_about
from omniwise.auth.dependencies import DbSession, RuntimeDep
from omniwise.auth.roles import Permission
from omniwise.kit.clock import utcnow
from omniwise.policy.duration import Duration
from omniwise.privacy import service
from omniwise.privacy.labels import EXPORT_TYPES, LABELS, law_of
from omniwise.privacy.models import CLOSED_STATUSES, PrivacyRequest, RequestStatus
from omniwise.privacy.page_router import router
from omniwise.privacy.presenting import flags, holdings_of, may_extend, status_panel, steps
from omniwise.tenants.service import get_scoped_tenant
from omniwise.web.charts import Chart, Series, figure, week_label
from omniwise.web.forms import Form, Submitted, attempt, read
from omniwise.web.routing import NavLink, Surface
from omniwise.web.templating import render, see_other
from omniwise.web.viewer import Staff, Viewer

navigation = [
    NavLink(
        Surface.CONSOLE,
        "Privacy requests",
        "/console/requests",
        "Requests to see, copy, correct or delete data: the queue by due date, overdue first.",
        Permission.PRIVACY_REQUESTS_READ,
        order=20,
    ),
]
QUEUE_LIMIT = 200
AUDIT_OBJECT = "privacy_request"


def _monday(iso_week: str) -> date:
    """The Monday of an ISO week written "2026-W48"."""
    year, week = iso_week.split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


def _figures(session: DbSession) -> Any:
    weeks = service.weekly_figures(session, weeks=12)
    chart = Chart(
        "Privacy requests answered per week, against their deadlines (weeks start on Monday, UTC)",
        [week_label(_monday(week.week)) for week in weeks],
        [
            Series("Completed on time", [week.completed_on_time for week in weeks]),
            Series("Completed late", [week.completed_late for week in weeks]),
            Series("Refused", [week.refused for week in weeks]),
            Series("Open and overdue", [week.open_overdue for week in weeks], kind="line"),
        ],
        y_label="requests",
    )
    return figure(chart)


@router.get("/console/requests")
def queue_page(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    viewer: Staff,
    status: Annotated[RequestStatus | None, Query()] = None,
) -> Response:
    chosen = status.value if status else "open"
    items = service.list_requests(session, actor=viewer.actor, status=chosen, limit=QUEUE_LIMIT)
    marks = flags(session)
    names: dict[uuid.UUID, str] = {}
    for tenant_id in {item.tenant_id for item in items if item.tenant_id is not None}:
        names[tenant_id] = get_scoped_tenant(session, actor=viewer.actor, tenant_id=tenant_id).name
    laws = {law.id: law.short_name for law in runtime.policy.rights.laws}
    rows = [
        {
            "request": item,
            "flag": marks.get(item.id),
            "tenant_name": names.get(item.tenant_id) if item.tenant_id else None,
            "law": laws.get(item.law, item.law),
        }
        for item in items
    ]
    values = {
        "rows": rows,
        "status": status.value if status else None,
        "statuses": [value.value for value in RequestStatus],
        "labels": LABELS,
        "chart": _figures(session),
    }
    return render(request, "console/requests.html", values)


def _get(session: DbSession, viewer: Viewer, request_id: uuid.UUID) -> PrivacyRequest:
    return service.get_request(session, actor=viewer.actor, request_id=request_id)


def _detail_values(
    session: DbSession, runtime: RuntimeDep, viewer: Viewer, item: PrivacyRequest, form: Form
) -> dict[str, Any]:
    law = law_of(runtime.policy, item.law)
    path = f"/console/requests/{item.id}"
    values: dict[str, Any] = {
        "item": item,
        "law": law,
        "flag": flags(session).get(item.id),
        "holdings": holdings_of(item),
        "report": item.report,
        "export_types": EXPORT_TYPES,
        "closed_statuses": [value.value for value in CLOSED_STATUSES],
        "can_manage": viewer.can(Permission.PRIVACY_REQUESTS_MANAGE),
        "can_extend": may_extend(runtime.policy, item, now=utcnow()),
        "extension_words": Duration.parse(law.extension).words() if law and law.extension else "",
        "notice_words": Duration.parse(law.extension_notice_within).words()
        if law and law.extension_notice_within
        else "",
        "form": form,
        "events": events_about(session, actor=viewer.actor, object_type=AUDIT_OBJECT, object_id=str(item.id))
        if viewer.can(Permission.AUDIT_READ)
        else None,
        "labels": LABELS,
    }
    values.update(
        status_panel(
            status=item.status,
            steps=steps(session, item.id),
            poll_url=f"{path}/steps",
            reload_url=path,
            detailed=True,
        )
    )
    return values


def _empty_form() -> Form:
    return Form(values={"extension_reason": "", "refusal_reason": ""})


@router.get("/console/requests/{request_id}")
def request_page(
    request: Request, session: DbSession, runtime: RuntimeDep, viewer: Staff, request_id: uuid.UUID
) -> Response:
    item = _get(session, viewer, request_id)
    return render(request, "console/request.html", _detail_values(session, runtime, viewer, item, _empty_form()))


@router.get("/console/requests/{request_id}/steps")
def steps_panel(
    request: Request, session: DbSession, runtime: RuntimeDep, viewer: Staff, request_id: uuid.UUID
) -> Response:
    """The steps panel alone, which htmx asks for while the request runs; without script, the whole page."""
    item = _get(session, viewer, request_id)
    values = _detail_values(session, runtime, viewer, item, _empty_form())
    if request.headers.get("hx-request") != "true":
        return render(request, "console/request.html", values)
    return render(request, "privacy/_steps.html", values)


def _act(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    viewer: Viewer,
    request_id: uuid.UUID,
    data: Submitted,
    *,
    field: str,
    done: str,
    call: Any,
) -> Response:
    """Run an action with the reason typed in `field`; its problems are shown beside that field."""
    form = _empty_form()
    form.values.update(read(data, [field]).values)
    reason = form.value(field).strip()
    if not reason:
        form.errors[field] = "give the reason: it is sent to the person"
    else:
        changed = attempt(session, form, lambda: call(reason))
        for message in list(form.general):  # the service names its field "reason"
            name, sep, text = message.partition(": ")
            if sep and name == "reason":
                form.general.remove(message)
                form.errors.setdefault(field, text)
        if changed is not None:
            return see_other(f"/console/requests/{request_id}", request=request, message=done)
    item = _get(session, viewer, request_id)
    values = _detail_values(session, runtime, viewer, item, form)
    return render(request, "console/request.html", values, status_code=form.status)


@router.post("/console/requests/{request_id}/extension")
def extend(
    request: Request, session: DbSession, runtime: RuntimeDep, viewer: Staff, request_id: uuid.UUID, data: Submitted
) -> Response:
    actor = viewer.actor
    return _act(
        request,
        session,
        runtime,
        viewer,
        request_id,
        data,
        field="extension_reason",
        done="The deadline is extended and the person is told why.",
        call=lambda reason: service.extend_request(session, runtime, actor=actor, request_id=request_id, reason=reason),
    )


@router.post("/console/requests/{request_id}/refusal")
def refuse(
    request: Request, session: DbSession, runtime: RuntimeDep, viewer: Staff, request_id: uuid.UUID, data: Submitted
) -> Response:
    actor = viewer.actor
    return _act(
        request,
        session,
        runtime,
        viewer,
        request_id,
        data,
        field="refusal_reason",
        done="The request is refused and the person is told why.",
        call=lambda reason: service.refuse_request(session, runtime, actor=actor, request_id=request_id, reason=reason),
    )


@router.post("/console/requests/{request_id}/export-link")
def export_link(
    request: Request, session: DbSession, runtime: RuntimeDep, viewer: Staff, request_id: uuid.UUID
) -> Response:
    """A one-time download link, followed at once: the download is audited by the export route."""
    return see_other(service.issue_export_link(session, runtime, actor=viewer.actor, request_id=request_id))
