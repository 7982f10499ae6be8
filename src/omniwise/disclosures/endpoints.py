"""HTTP endpoints for a business's opt-ins to sharing with partners (notice section 3b)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from omniwise.auth.dependencies import CurrentActor, DbSession, RuntimeDep, ScopedTenant
from omniwise.disclosures import service
from omniwise.disclosures.schemas import SharingList, SharingRead

router = APIRouter(prefix="/api/v1/tenants/{tenant_id}/sharing", tags=["sharing"])


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
