"""HTTP endpoints for tenants."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from omniwise.auth.dependencies import CurrentActor, DbSession, Keys, RuntimeDep, ScopedTenant
from omniwise.billing.config import BillingConfig
from omniwise.billing.gateway import configured_gateway
from omniwise.tenants import closing, service
from omniwise.tenants.schemas import TenantCreate, TenantList, TenantRead, TenantUpdate

router = APIRouter(prefix="/api/v1/tenants", tags=["tenants"])


@router.post("", status_code=201, response_model=TenantRead, summary="Create a tenant (a business)")
def create_tenant(body: TenantCreate, session: DbSession, keys: Keys, actor: CurrentActor) -> TenantRead:
    return TenantRead.model_validate(service.create_tenant(session, keys, actor=actor, data=body))


@router.get("", response_model=TenantList, summary="List the tenants the caller may see")
def list_tenants(
    session: DbSession,
    actor: CurrentActor,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> TenantList:
    page = service.list_tenants(session, actor=actor, cursor=cursor, limit=limit)
    return TenantList(items=[TenantRead.model_validate(t) for t in page.items], next_cursor=page.next_cursor)


@router.get("/{tenant_id}", response_model=TenantRead, summary="Read a tenant")
def read_tenant(session: DbSession, actor: CurrentActor, tenant: ScopedTenant) -> TenantRead:
    return TenantRead.model_validate(service.read_tenant(session, actor=actor, tenant=tenant))


@router.patch("/{tenant_id}", response_model=TenantRead, summary="Correct a tenant's details")
def update_tenant(body: TenantUpdate, session: DbSession, actor: CurrentActor, tenant: ScopedTenant) -> TenantRead:
    return TenantRead.model_validate(service.update_tenant(session, actor=actor, tenant=tenant, data=body))


@router.post(
    "/{tenant_id}/close",
    response_model=TenantRead,
    summary="Close a business's account (its billing too: subscriptions canceled, invoices kept restricted)",
)
def close_tenant(session: DbSession, runtime: RuntimeDep, actor: CurrentActor, tenant: ScopedTenant) -> TenantRead:
    closed = closing.close_account(
        session,
        runtime.keyring,
        configured_gateway(runtime),
        config=BillingConfig.from_settings(runtime.settings),
        actor=actor,
        tenant=tenant,
    )
    return TenantRead.model_validate(closed.tenant)
