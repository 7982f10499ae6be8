"""The privacy center's request pages: the form anyone may use, the confirmation link's landing page, the status page.

Every page goes through `omniwise.privacy.service`, as the JSON endpoints do. The answer to
a request never says whether we hold data about the address given: it reads the same
either way, with the deadline of the law that applies. The link in the verification
message is opened by GET, which only shows a button, because mail scanners fetch links;
the request is verified by the POST that button sends.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response

from omniwise.auth.actor import Actor
from omniwise.auth.dependencies import DbSession, RuntimeDep
from omniwise.errors import Gone, NotFound, OmniwiseError
from omniwise.kit.clock import utcnow
from omniwise.policy.model import Policy
from omniwise.privacy import intake, service
from omniwise.privacy.contract import RequestType
from omniwise.privacy.deadlines import deadlines_for
from omniwise.privacy.endpoints import intake_limits
from omniwise.privacy.labels import EXPORT_TYPES, LABELS, TYPE_LABELS, law_of, type_choices
from omniwise.privacy.models import RequestStatus
from omniwise.privacy.page_forms import CHANGE_PREFIX, correctable_fields, place_changes, public_request
from omniwise.privacy.page_router import router
from omniwise.privacy.presenting import status_panel, steps
from omniwise.web.forms import Form, Submitted, attempt, read
from omniwise.web.templating import render, see_other

FORM_PATH = "/privacy/requests"
SUBMIT_PATH = "/privacy/requests/new"  # POST /privacy/requests is the JSON intake
SENT_PATH = "/privacy/requests/sent"
VERIFY_PATH = "/privacy/requests/verify"  # where the verification message's link points (`verify_path`)
CONFIRM_PATH = "/privacy/requests/verify/confirm"  # POST /privacy/requests/verify is the JSON verification
BASE_FIELDS = ["email", "type", "jurisdiction", "tenant_id", "changes"]
CHANNEL = "public"  # the service's name for the privacy center's form and the public endpoint
REQUESTER = service.PUBLIC
# the status page's token proves the requester; the link it gets is issued on their behalf and audited as this
REQUESTER_DOWNLOAD = Actor(kind="system", id="privacy-center-requester", role=None)


def _form_values(policy: Policy, form: Form) -> dict[str, Any]:
    return {
        "form": form,
        "types": type_choices(policy),
        "laws": policy.rights.laws,
        "correctable": correctable_fields(),
        "change_prefix": CHANGE_PREFIX,
        "submit_path": SUBMIT_PATH,
    }


@router.get(FORM_PATH)
def request_form(request: Request, runtime: RuntimeDep) -> Response:
    names = BASE_FIELDS + [CHANGE_PREFIX + name for name, _ in correctable_fields()]
    return render(request, "privacy/request_form.html", _form_values(runtime.policy, Form(dict.fromkeys(names, ""))))


@router.post(SUBMIT_PATH)
def request_submit(request: Request, session: DbSession, runtime: RuntimeDep, data: Submitted) -> Response:
    """Opened through the public endpoint's own intake: the same schema, the same limits, the same answer."""
    names = BASE_FIELDS + [CHANGE_PREFIX + name for name, _ in correctable_fields()]
    form = read(data, names)
    body = public_request(form)
    if body is not None:
        client = request.client.host if request.client else "unknown"
        limits = intake_limits(request)

        def submit() -> bool:
            intake.submit_public(session, runtime, limits=limits, client=client, body=body)
            return True

        opened = attempt(session, form, submit)
        place_changes(form)
        if opened is not None:
            # the person's own choices: nothing about what we hold, or whether they asked before
            return see_other(f"{SENT_PATH}?type={body.type}&law={body.jurisdiction or ''}")
    return render(request, "privacy/request_form.html", _form_values(runtime.policy, form), status_code=form.status)


@router.get(SENT_PATH)
def request_sent(
    request: Request,
    runtime: RuntimeDep,
    type: Annotated[str, Query(max_length=32)] = "",
    law: Annotated[str, Query(max_length=8)] = "",
) -> Response:
    """What happens next, and by when: the chosen law's deadline, or each law's where none was chosen.

    The query only repeats what the form chose (anything else is left out), so the page reads
    the same whether or not we hold anything, and whether or not the address asked before.
    """
    kinds = {kind.value: kind for kind in RequestType}
    chosen = law_of(runtime.policy, law)
    values = {
        "type_label": TYPE_LABELS[kinds[type]] if type in kinds else None,
        "law": chosen,
        "due": deadlines_for(chosen, utcnow()).due_at if chosen else None,
        "periods": [(item.short_name, item.respond_duration.words()) for item in runtime.policy.rights.laws],
    }
    return render(request, "privacy/request_sent.html", values)


def _link_problem(request: Request, error: OmniwiseError) -> Response:
    if isinstance(error, Gone):
        title = "This link has expired or was used"
        explanation = (
            "A confirmation link works once, for 24 hours. If you have already confirmed, the message we sent "
            "afterwards has the address of your request's status page."
        )
    else:
        title = "We do not know this link"
        explanation = "It may have been copied incompletely. Open the link from the message again, in full."
    values = {"title": title, "explanation": explanation}
    return render(request, "privacy/request_link_problem.html", values, status_code=error.status_code)


@router.get(VERIFY_PATH)
def verify_landing(request: Request, token: Annotated[str, Query(max_length=200)] = "") -> Response:
    """Only a button: a GET changes nothing, so a mail scanner opening the link confirms nothing."""
    if not token.strip():
        return _link_problem(request, NotFound("token: the link has no token"))
    return render(request, "privacy/request_verify.html", {"token": token, "confirm_path": CONFIRM_PATH})


@router.post(CONFIRM_PATH)
def verify_confirm(request: Request, session: DbSession, runtime: RuntimeDep, data: Submitted) -> Response:
    token = data.get("token")
    try:
        verified, status_token = service.verify_request(session, runtime, token=token if isinstance(token, str) else "")
    except (Gone, NotFound) as exc:
        session.rollback()
        return _link_problem(request, exc)
    return see_other(
        status_path(verified.id, status_token),
        request=request,
        message="Thank you: your request is confirmed and we have started on it.",
    )


def status_path(request_id: uuid.UUID, status_token: str) -> str:
    return f"/privacy/requests/{request_id}?token={status_token}"


def _status_values(session: DbSession, runtime: RuntimeDep, request_id: uuid.UUID, token: str) -> dict[str, Any]:
    view = service.requester_view(session, request_id=request_id, status_token=token)
    reload_url = status_path(request_id, token)
    panel = status_panel(
        status=view.status,
        steps=steps(session, request_id),
        poll_url=f"/privacy/requests/{request_id}/steps?token={token}",
        reload_url=reload_url,
        detailed=False,
    )
    return {
        "view": view,
        "deadline": view.extended_to or view.due_at,
        "export_ready": view.status == RequestStatus.COMPLETED.value and view.type in EXPORT_TYPES,
        "status_token": token,
        "download_path": f"/privacy/requests/{request_id}/download",
        "labels": LABELS,
        **panel,
    }


@router.get("/privacy/requests/{request_id}/steps")
def status_steps(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    request_id: uuid.UUID,
    token: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The steps panel alone, which htmx asks for while the request runs; without script, the whole page."""
    values = _status_values(session, runtime, request_id, token)
    if request.headers.get("hx-request") != "true":
        return render(request, "privacy/request_status.html", values)
    return render(request, "privacy/_steps.html", values)


@router.get("/privacy/requests/{request_id}")
def request_status(
    request: Request,
    session: DbSession,
    runtime: RuntimeDep,
    request_id: uuid.UUID,
    token: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    return render(request, "privacy/request_status.html", _status_values(session, runtime, request_id, token))


@router.post("/privacy/requests/{request_id}/download")
def request_download(
    request: Request, session: DbSession, runtime: RuntimeDep, request_id: uuid.UUID, data: Submitted
) -> Response:
    """A fresh one-time link for the requester, who proves it is them with the status page's token."""
    token = data.get("token")
    service.requester_view(session, request_id=request_id, status_token=token if isinstance(token, str) else "")
    return see_other(service.issue_export_link(session, runtime, actor=REQUESTER_DOWNLOAD, request_id=request_id))
