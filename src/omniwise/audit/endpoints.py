"""HTTP endpoint for the audit chain's verification status."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from omniwise.audit.status import verify_now
from omniwise.auth.dependencies import CurrentActor, DbSession, RuntimeDep

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


class ChainStatus(BaseModel):
    ok: bool
    events_checked: int
    first_bad_seq: int | None
    reason: str | None


@router.get("/verify", response_model=ChainStatus, summary="Verify the audit chain")
def verify(session: DbSession, actor: CurrentActor, runtime: RuntimeDep) -> ChainStatus:
    result = verify_now(session, actor=actor, anchor_sink=runtime.anchor_sink)
    return ChainStatus(
        ok=result.ok, events_checked=result.events_checked, first_bad_seq=result.first_bad_seq, reason=result.reason
    )
