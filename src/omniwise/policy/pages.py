"""Pages of the notice's history: its versions and what changed between two (privacy center and console)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response

from omniwise.auth.dependencies import DbSession, RuntimeDep
from omniwise.policy import history, service
from omniwise.policy.models import PolicyVersion
from omniwise.web.forms import Form
from omniwise.web.routing import NavLink, PageRouter, Surface
from omniwise.web.templating import render
from omniwise.web.viewer import Staff

router = PageRouter()
navigation = [
    NavLink(Surface.PRIVACY, "Privacy notice", "/privacy/notice", "The notice as it reads today.", order=20),
    NavLink(
        Surface.PRIVACY,
        "Earlier versions",
        "/privacy/versions",
        "Every version of the notice, and what changed between them.",
        order=30,
    ),
    NavLink(
        Surface.CONSOLE,
        "Policy",
        "/console/policy",
        "The privacy policy in force, its versions and their differences.",
        order=40,
    ),
]
PUBLISH_COMMAND = "omniwise policy publish"


def _comparison_form(versions: list[PolicyVersion], old: str | None, new: str | None) -> Form:
    """The comparison's two versions as chosen, by default the last two published."""
    default_new = str(versions[0].version) if versions else ""
    default_old = str(versions[1].version) if len(versions) > 1 else default_new
    return Form(values={"from": old or default_old, "to": new or default_new})


def _chosen(form: Form, versions: list[PolicyVersion]) -> tuple[int, int] | None:
    """The two version numbers, if both name a published version; else None with a message beside the field."""
    published = {row.version for row in versions}
    numbers: dict[str, int] = {}
    for name in ("from", "to"):
        text = form.value(name).strip()
        if not text.isdigit():
            form.errors[name] = "choose a version number"
        elif int(text) not in published:
            form.errors[name] = f"version {text} has not been published"
        else:
            numbers[name] = int(text)
    return (numbers["from"], numbers["to"]) if len(numbers) == 2 else None


def _history(session: DbSession, old: str | None, new: str | None, *, compare: bool) -> tuple[dict[str, Any], int]:
    versions = list(service.list_versions(session))
    form = _comparison_form(versions, old, new)
    values: dict[str, Any] = {"versions": versions, "form": form, "comparison": None}
    if not compare:
        return values, 200
    chosen = _chosen(form, versions)
    if chosen is None:
        return values, 422
    values["comparison"] = history.compare_versions(session, old=chosen[0], new=chosen[1])
    return values, 200


@router.get("/privacy/versions")
def privacy_versions(request: Request, session: DbSession) -> Response:
    values, _ = _history(session, None, None, compare=False)
    return render(request, "privacy/versions.html", values)


@router.get("/privacy/versions/compare")
def privacy_compare(
    request: Request,
    session: DbSession,
    old: Annotated[str | None, Query(alias="from", max_length=20)] = None,
    new: Annotated[str | None, Query(alias="to", max_length=20)] = None,
) -> Response:
    values, status = _history(session, old, new, compare=True)
    return render(request, "privacy/versions.html", values, status_code=status)


@router.get("/console/policy")
def console_policy(request: Request, session: DbSession, runtime: RuntimeDep, viewer: Staff) -> Response:
    values, _ = _history(session, None, None, compare=False)
    latest, pending = history.unpublished_changes(session, policy=runtime.policy)
    values.update(
        {
            "policy": runtime.policy,
            "policy_file": runtime.settings.policy_file,
            "latest": latest,
            "pending": pending,
            "publish_command": PUBLISH_COMMAND,
        }
    )
    return render(request, "console/policy.html", values)


@router.get("/console/policy/compare")
def console_compare(
    request: Request,
    session: DbSession,
    viewer: Staff,
    old: Annotated[str | None, Query(alias="from", max_length=20)] = None,
    new: Annotated[str | None, Query(alias="to", max_length=20)] = None,
) -> Response:
    values, status = _history(session, old, new, compare=True)
    return render(request, "console/policy_compare.html", values, status_code=status)
