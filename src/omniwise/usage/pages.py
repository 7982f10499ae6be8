"""Portal page of usage: which features the business used per day, as a chart and as figures."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response

from omniwise.auth.dependencies import DbSession
from omniwise.auth.roles import Permission
from omniwise.tenants.service import require
from omniwise.usage import service
from omniwise.usage.models import UsageDaily
from omniwise.web.charts import Chart, Series, figure
from omniwise.web.forms import Form, attempt
from omniwise.web.routing import NavLink, PageRouter, Surface
from omniwise.web.templating import render
from omniwise.web.viewer import PortalTenant, TenantUser

router = PageRouter()
navigation = [
    NavLink(
        Surface.PORTAL,
        "Usage",
        "/portal/usage",
        "Which features your business used, day by day.",
        Permission.USAGE_READ,
        order=50,
    ),
]
DateParam = Annotated[str | None, Query(max_length=20)]


def _day(form: Form, name: str) -> date | None:
    text = form.value(name).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        form.errors[name] = "a date, such as 2025-01-31"
        return None


def _chart(first: date, last: date, rows: list[UsageDaily]) -> Any:
    uses: Counter[date] = Counter()
    errors: Counter[date] = Counter()
    for row in rows:
        uses[row.day] += row.count
        errors[row.day] += row.errors
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    chart = Chart(
        f"Uses per day, {first.isoformat()} to {last.isoformat()} (UTC)",
        [day.strftime("%d %b").lstrip("0") for day in days],
        [
            Series("Uses", [uses[day] for day in days]),
            Series("Of which failed", [errors[day] for day in days], kind="line"),
        ],
        y_label="uses",
    )
    return figure(chart)


@router.get("/portal/usage")
def usage_page(
    request: Request,
    session: DbSession,
    viewer: TenantUser,
    tenant: PortalTenant,
    since: DateParam = None,
    until: DateParam = None,
) -> Response:
    require(viewer.actor, Permission.USAGE_READ)
    form = Form(values={"since": since or "", "until": until or ""})
    first, last = _day(form, "since"), _day(form, "until")
    values: dict[str, Any] = {"form": form, "chart": None, "features": [], "since": None, "until": None}
    found = None
    if form.ok:
        actor = viewer.actor
        found = attempt(
            session, form, lambda: service.daily_usage(session, actor=actor, tenant=tenant, since=first, until=last)
        )
    if found is not None:
        start, end, rows = found
        totals: Counter[str] = Counter()
        failures: Counter[str] = Counter()
        for row in rows:
            totals[row.feature] += row.count
            failures[row.feature] += row.errors
        values.update(
            chart=_chart(start, end, rows),
            features=[(feature, count, failures[feature]) for feature, count in totals.most_common()],
            since=start,
            until=end,
        )
        form.values.update(since=start.isoformat(), until=end.isoformat())
    return render(request, "portal/usage.html", values, status_code=200 if form.ok else form.status)
