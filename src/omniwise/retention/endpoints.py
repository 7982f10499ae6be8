"""HTTP endpoints for retention: the runs' records (staff) and legal holds (privacy officers)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from omniwise.auth.dependencies import CurrentActor, DbSession
from omniwise.retention import service
from omniwise.retention.schemas import HoldCreate, HoldList, HoldRead, RunList, RunRead

router = APIRouter(prefix="/api/v1/retention", tags=["retention"])


@router.get("/runs", response_model=RunList, summary="Retention runs, newest first, with per-category counts")
def list_runs(
    session: DbSession,
    actor: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    before: datetime | None = None,
    include_dry_runs: bool = True,
) -> RunList:
    runs = service.list_runs(session, actor=actor, limit=limit, before=before, include_dry_runs=include_dry_runs)
    items = [RunRead.model_validate(run) for run in runs]
    return RunList(items=items, next_before=items[-1].started_at if len(items) == limit else None)


@router.get("/runs/{run_id}", response_model=RunRead, summary="One retention run")
def read_run(run_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> RunRead:
    return RunRead.model_validate(service.get_run(session, actor=actor, run_id=run_id))


@router.get("/holds", response_model=HoldList, summary="Legal holds in force (or all, with include_ended)")
def list_holds(session: DbSession, actor: CurrentActor, include_ended: bool = False) -> HoldList:
    holds = service.list_holds(session, actor=actor, include_ended=include_ended)
    return HoldList(items=[service.hold_read(h) for h in holds])


@router.post("/holds", status_code=201, response_model=HoldRead, summary="Place a legal hold")
def create_hold(body: HoldCreate, session: DbSession, actor: CurrentActor) -> HoldRead:
    return service.hold_read(service.create_hold(session, actor=actor, data=body))


@router.post("/holds/{hold_id}/release", response_model=HoldRead, summary="Release a legal hold")
def release_hold(hold_id: uuid.UUID, session: DbSession, actor: CurrentActor) -> HoldRead:
    return service.hold_read(service.release_hold(session, actor=actor, hold_id=hold_id))
