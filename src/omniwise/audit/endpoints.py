"""HTTP endpoint for the audit chain's verification status."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from omniwise.audit.verify import verify_chain
from omniwise.auth.dependencies import CurrentActor, DbSession, RuntimeDep
from omniwise.auth.roles import Permission
from omniwise.tenants.service import require

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


class ChainStatus(BaseModel):
    ok: bool
    events_checked: int
    first_bad_seq: int | None
    reason: str | None


@router.get("/verify", response_model=ChainStatus, summary="Verify the audit chain")
def verify(session: DbSession, actor: CurrentActor, runtime: RuntimeDep) -> ChainStatus:
    require(actor, Permission.AUDIT_READ)
    result = verify_chain(session, runtime.anchor_sink)
    return ChainStatus(
        ok=result.ok, events_checked=result.events_checked, first_bad_seq=result.first_bad_seq, reason=result.reason
    )
