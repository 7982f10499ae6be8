"""HTTP endpoints of the notice: the notice itself and its versions (public), and acceptances (per tenant)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from omniwise.auth.dependencies import CurrentActor, DbSession, RuntimeDep, ScopedTenant
from omniwise.policy import service
from omniwise.policy.render import NoticeFormat
from omniwise.policy.schemas import (
    AcceptanceCreate,
    AcceptanceList,
    AcceptanceRead,
    ChangeRead,
    DiffRead,
    VersionList,
    VersionRead,
)

router = APIRouter(prefix="/privacy/notice", tags=["privacy notice"])
tenant_router = APIRouter(prefix="/api/v1/tenants/{tenant_id}/notice", tags=["privacy notice"])

# the notice is text and nothing else: no scripts, no outside resources
NOTICE_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}


def _page(text: str, fmt: NoticeFormat) -> Response:
    if fmt is NoticeFormat.MD:
        return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")
    return HTMLResponse(text, headers=NOTICE_HEADERS)


@router.get("", response_class=HTMLResponse, summary="The privacy notice (newest published version)")
def read_notice(
    session: DbSession, runtime: RuntimeDep, format: Annotated[NoticeFormat, Query()] = NoticeFormat.HTML
) -> Response:
    return _page(service.render_current(session, fallback=runtime.policy, fmt=format), format)


@router.get("/versions", response_model=VersionList, summary="Every published version of the notice")
def list_versions(session: DbSession) -> VersionList:
    rows = service.list_versions(session)
    return VersionList(current_version=rows[0].version if rows else None, items=[VersionRead.of(row) for row in rows])


@router.get("/versions/{version}", response_class=HTMLResponse, summary="One version of the notice, as it read")
def read_version(
    version: int, session: DbSession, format: Annotated[NoticeFormat, Query()] = NoticeFormat.HTML
) -> Response:
    return _page(service.render_version(session, version=version, fmt=format), format)


@router.get("/diff", response_model=DiffRead, response_model_by_alias=True, summary="What changed between two versions")
def diff_versions(
    session: DbSession,
    from_version: Annotated[int, Query(alias="from", ge=1)],
    to_version: Annotated[int, Query(alias="to", ge=1)],
) -> DiffRead:
    changes = service.diff_versions(session, old=from_version, new=to_version)
    return DiffRead(
        from_version=from_version,
        to_version=to_version,
        significant=any(change.significant for change in changes),
        changes=[ChangeRead.of(change) for change in changes],
    )


@tenant_router.post(
    "/acceptances", status_code=201, response_model=AcceptanceRead, summary="Accept the current notice for the business"
)
def accept_notice(
    session: DbSession, actor: CurrentActor, tenant: ScopedTenant, body: AcceptanceCreate | None = None
) -> AcceptanceRead:
    row = service.accept_notice(session, actor=actor, tenant=tenant, version=body.version if body else None)
    return AcceptanceRead.model_validate(row, from_attributes=True)


@tenant_router.get("/acceptances", response_model=AcceptanceList, summary="Who accepted which version for the business")
def list_acceptances(session: DbSession, actor: CurrentActor, tenant: ScopedTenant) -> AcceptanceList:
    state = service.acceptance_state(session, actor=actor, tenant=tenant)
    return AcceptanceList(
        current_version=state.current_version,
        accepted_current=state.accepted_current,
        items=[AcceptanceRead.model_validate(item, from_attributes=True) for item in state.items],
    )
