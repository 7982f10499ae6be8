"""HTTP endpoint for a tenant's daily usage rollups."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter

from omniwise.auth.dependencies import CurrentActor, DbSession, ScopedTenant
from omniwise.usage import service
from omniwise.usage.schemas import DailyUsage, DailyUsageList

router = APIRouter(prefix="/api/v1/tenants/{tenant_id}/usage", tags=["usage"])


@router.get("/daily", response_model=DailyUsageList, summary="Features used per day (counts only)")
def daily_usage(
    session: DbSession,
    actor: CurrentActor,
    tenant: ScopedTenant,
    since: date | None = None,
    until: date | None = None,
) -> DailyUsageList:
    first, last, rows = service.daily_usage(session, actor=actor, tenant=tenant, since=since, until=until)
    return DailyUsageList(since=first, until=last, items=[DailyUsage.model_validate(r) for r in rows])
