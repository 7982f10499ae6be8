"""HTTP endpoints for a business's opt-ins to sharing with partners (notice section 3b) and the disclosure records."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from omniwise.auth.dependencies import CurrentActor, DbSession, RuntimeDep, ScopedTenant
from omniwise.disclosures import records, service
from omniwise.disclosures.schemas import DisclosureList, DisclosureRead, SharingList, SharingRead

router = APIRouter(prefix="/api/v1/tenants/{tenant_id}/sharing", tags=["sharing"])
records_router = APIRouter(prefix="/api/v1/disclosures", tags=["disclosures"])


@router.get("", response_model=SharingList, summary="Partners, and whether the business shares with each")
def list_sharing(session: DbSession, runtime: RuntimeDep, actor: CurrentActor, tenant: ScopedTenant) -> SharingList:
    choices = service.list_sharing(session, runtime.policy, tenant=tenant, actor=actor)
    return SharingList(items=[SharingRead.of(choice) for choice in choices])


@router.put("/{recipient_id}", response_model=SharingRead, summary="Opt in to sharing with a partner (tenant admin)")
def opt_in(
    recipient_id: str, session: DbSession, runtime: RuntimeDep, actor: CurrentActor, tenant: ScopedTenant
) -> SharingRead:
    choice = service.opt_in_choice(session, runtime.policy, tenant=tenant, recipient_id=recipient_id, actor=actor)
    return SharingRead.of(choice)


@router.delete("/{recipient_id}", status_code=204, summary="Withdraw the opt-in (tenant admin)")
def withdraw(
    recipient_id: str, session: DbSession, runtime: RuntimeDep, actor: CurrentActor, tenant: ScopedTenant
) -> Response:
    service.withdraw_choice(session, runtime.policy, tenant=tenant, recipient_id=recipient_id, actor=actor)
    return Response(status_code=204)


@records_router.get("", response_model=DisclosureList, summary="Disclosure records, newest first (staff)")
def list_disclosures(
    session: DbSession,
    actor: CurrentActor,
    tenant_id: uuid.UUID | None = None,
    recipient_id: Annotated[str | None, Query(max_length=64)] = None,
    since: date | None = None,
    until: date | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> DisclosureList:
    page = records.list_disclosures(
        session,
        actor=actor,
        tenant_id=tenant_id,
        recipient_id=recipient_id,
        since=since,
        until=until,
        cursor=cursor,
        limit=limit,
    )
    return DisclosureList(items=[DisclosureRead.of(row) for row in page.items], next_cursor=page.next_cursor)
