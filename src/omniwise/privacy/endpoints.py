"""HTTP: the public intake and status view, the staff and tenant-admin API, and the export downloads."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from omniwise.auth.dependencies import CurrentActor, DbSession, RuntimeDep
from omniwise.privacy import archive, intake, service
from omniwise.privacy.schemas import (
    Accepted,
    DecisionBody,
    ExportLink,
    PublicRequestCreate,
    ReasonBody,
    RequestCreate,
    RequestList,
    RequestRead,
    StatusView,
    Verified,
    VerifyBody,
)
from omniwise.privacy.views import request_read

public = APIRouter(prefix="/privacy", tags=["privacy requests"])
router = APIRouter(prefix="/api/v1/privacy-requests", tags=["privacy requests"])
ZIP = "application/zip"


def intake_limits(request: Request) -> intake.IntakeLimits:
    """The application's one set of intake counters, shared by the JSON intake and the privacy center's form.

    One set per application, so a person cannot double their allowance by using both doors.
    """
    state = request.app.state
    if getattr(state, "privacy_intake_limits", None) is None:
        state.privacy_intake_limits = intake.IntakeLimits()
    limits: intake.IntakeLimits = state.privacy_intake_limits
    return limits


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _zip(runtime: RuntimeDep, request_id: uuid.UUID, reference: str) -> StreamingResponse:
    return StreamingResponse(
        archive.stream(runtime, request_id),
        media_type=ZIP,
        headers={
            "Content-Disposition": f'attachment; filename="omniwise-{reference}.zip"',
            "Cache-Control": "no-store",
        },
    )


@public.post("/requests", status_code=202, response_model=Accepted, summary="Ask about your data (no account needed)")
def submit(body: PublicRequestCreate, request: Request, session: DbSession, runtime: RuntimeDep) -> Accepted:
    intake.submit_public(session, runtime, limits=intake_limits(request), client=_client(request), body=body)
    return Accepted()


@public.post("/requests/verify", response_model=Verified, summary="Confirm a request by its emailed token")
def verify(body: VerifyBody, session: DbSession, runtime: RuntimeDep) -> Verified:
    found, status_token = service.verify_request(session, runtime, token=body.token)
    return Verified(id=found.id, reference=found.reference, status=found.status, status_token=status_token)


@public.get("/requests/{request_id}/status", response_model=StatusView, summary="Follow a request")
def status(request_id: uuid.UUID, session: DbSession, token: Annotated[str, Query(max_length=200)]) -> StatusView:
    view = service.requester_view(session, request_id=request_id, status_token=token)
    return StatusView(**view.__dict__)


@public.get("/exports/{token}", summary="Download an export once (the link in the completion message)")
def export_by_token(token: str, session: DbSession, runtime: RuntimeDep) -> StreamingResponse:
    found = service.download_by_token(session, token=token)
    return _zip(runtime, found.id, found.reference)


@router.post("", status_code=201, response_model=RequestRead, summary="Open a request for someone you verified")
def open_for(body: RequestCreate, session: DbSession, runtime: RuntimeDep, actor: CurrentActor) -> RequestRead:
    how = body.verification or f"verified by {actor.role.value if actor.role else actor.kind}"
    found = service.open_request(
        session,
        runtime,
        type=body.type,
        email=body.subject.email,
        tenant_id=body.tenant_id,
        jurisdiction=body.jurisdiction,
        channel="api",
        actor=actor,
        verified_by=how,
        changes=body.changes,
    )
    return request_read(session, found)


@router.get("", response_model=RequestList, summary="Requests, overdue first, then by due date")
def list_all(
    session: DbSession,
    actor: CurrentActor,
    tenant_id: uuid.UUID | None = None,
    status: Annotated[str | None, Query(max_length=24)] = None,
    overdue: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> RequestList:
    found = service.list_requests(
        session, actor=actor, tenant_id=tenant_id, status=status, overdue=overdue, limit=limit
    )
    return RequestList(items=[request_read(session, r, detail=False) for r in found])


@router.get("/{request_id}", response_model=RequestRead, summary="A request with its steps and report")
def read(request_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> RequestRead:
    return request_read(session, service.get_request(session, actor=actor, request_id=request_id))


@router.post("/{request_id}/decision", response_model=RequestRead, summary="Approve or refuse a customer's request")
def decide(
    request_id: uuid.UUID, body: DecisionBody, session: DbSession, runtime: RuntimeDep, actor: CurrentActor
) -> RequestRead:
    found = service.decide_request(
        session,
        runtime,
        actor=actor,
        request_id=request_id,
        approve=body.approve,
        instruction=body.instruction,
        reason=body.reason,
    )
    return request_read(session, found)


@router.post(
    "/{request_id}/extension", response_model=RequestRead, summary="Extend the deadline, telling the requester"
)
def extend(
    request_id: uuid.UUID, body: ReasonBody, session: DbSession, runtime: RuntimeDep, actor: CurrentActor
) -> RequestRead:
    found = service.extend_request(session, runtime, actor=actor, request_id=request_id, reason=body.reason)
    return request_read(session, found)


@router.post("/{request_id}/refusal", response_model=RequestRead, summary="Refuse a request, with the reason")
def refuse(
    request_id: uuid.UUID, body: ReasonBody, session: DbSession, runtime: RuntimeDep, actor: CurrentActor
) -> RequestRead:
    found = service.refuse_request(session, runtime, actor=actor, request_id=request_id, reason=body.reason)
    return request_read(session, found)


@router.post("/{request_id}/export-links", status_code=201, response_model=ExportLink, summary="A new one-time link")
def export_link(request_id: uuid.UUID, session: DbSession, runtime: RuntimeDep, actor: CurrentActor) -> ExportLink:
    path = service.issue_export_link(session, runtime, actor=actor, request_id=request_id)
    return ExportLink(path=path, url=runtime.settings.public_url.rstrip("/") + path)


@router.get("/{request_id}/export", summary="The export (application/zip), once the request is completed")
def export(request_id: uuid.UUID, session: DbSession, runtime: RuntimeDep, actor: CurrentActor) -> StreamingResponse:
    found = service.download_export(session, actor=actor, request_id=request_id)
    return _zip(runtime, found.id, found.reference)
