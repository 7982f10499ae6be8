"""A privacy request as a durable chain of steps: one row per step, one job per step.

    locate -> [awaiting_approval -> decision] -> <action> per contribution -> archive -> report -> notify

Each step runs in its job's transaction: its effect, its row marked done and the next
step's job are committed together, so a worker killed anywhere leaves either nothing of
the step or all of it, and the reconciler runs an unfinished step again from the start
(contributions are idempotent). The one completion event is guarded by the status
transition `in_progress -> completed` in the same transaction: a conditional UPDATE that
only one run can win.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from omniwise.auth.actor import Actor
from omniwise.kit.clock import utcnow
from omniwise.privacy.contract import Holding, RequestType, SubjectRole, all_contributions
from omniwise.privacy.models import PrivacyRequest, PrivacyRequestStep, RequestStatus, StepStatus
from omniwise.worker import enqueue

STEP_JOB = "privacy.run_step"
# a step per part holding the person; access and portability have none: their archive step
# reads each part once, writing and counting it
ACTION_OF: dict[RequestType, str] = {
    RequestType.CORRECTION: "correct",
    RequestType.DELETION: "erase",
    RequestType.OPT_OUT: "opt_out",
}
ARCHIVED = (RequestType.ACCESS, RequestType.PORTABILITY)


def request_actor(request: PrivacyRequest) -> Actor:
    """The system acting on the request's behalf: what it does is audited under the request's id."""
    return Actor(kind="system", id=f"privacy-request:{request.id}", role=None, tenant_id=request.tenant_id)


def holding_to_json(holding: Holding) -> dict[str, Any]:
    data = asdict(holding)
    data["role"] = holding.role.value
    data["tenant_id"] = str(holding.tenant_id) if holding.tenant_id else None
    data["subject_id"] = str(holding.subject_id) if holding.subject_id else None
    return data


def holding_from_json(data: dict[str, Any]) -> Holding:
    return Holding(
        contribution=str(data["contribution"]),
        category=str(data["category"]),
        role=SubjectRole(data["role"]),
        tenant_id=uuid.UUID(data["tenant_id"]) if data.get("tenant_id") else None,
        subject_id=uuid.UUID(data["subject_id"]) if data.get("subject_id") else None,
        key=str(data["key"]),
        records=int(data["records"]),
        description=str(data["description"]),
    )


def stored_holdings(request: PrivacyRequest) -> list[Holding]:
    return [holding_from_json(item) for item in request.holdings or []]


def steps_of(session: Session, request_id: uuid.UUID) -> list[PrivacyRequestStep]:
    statement = select(PrivacyRequestStep).where(PrivacyRequestStep.request_id == request_id)
    return list(session.scalars(statement.order_by(PrivacyRequestStep.position)))


def _add_step(session: Session, request: PrivacyRequest, position: int, name: str, contribution: str | None) -> None:
    session.add(
        PrivacyRequestStep(
            id=uuid.uuid4(),
            request_id=request.id,
            position=position,
            name=name,
            contribution=contribution,
            status=StepStatus.PENDING.value,
            attempts=0,
        )
    )


def start(session: Session, request: PrivacyRequest) -> None:
    """Queue the first step (locate) of a verified request; nothing if it has started already."""
    if steps_of(session, request.id):
        return
    _add_step(session, request, 0, "locate", None)
    session.flush()
    queue_next(session, request)


def plan_actions(session: Session, request: PrivacyRequest) -> None:
    """After locate (and the business's approval where needed): the remaining steps, then run the first."""
    request_type = RequestType(request.type)
    holdings = stored_holdings(request)
    held_by = {holding.contribution for holding in holdings}
    position = int(
        session.scalar(select(func.max(PrivacyRequestStep.position)).where(PrivacyRequestStep.request_id == request.id))
        or 0
    )
    action = ACTION_OF.get(request_type)
    for contribution in all_contributions():
        # an opt-out is recorded even for an address we hold nothing of: the list is keyed by the address
        if action is not None and (contribution.name in held_by or request_type is RequestType.OPT_OUT):
            position += 1
            _add_step(session, request, position, action, contribution.name)
    tail = (["archive"] if request_type in ARCHIVED else []) + ["report", "notify"]
    for name in tail:
        position += 1
        _add_step(session, request, position, name, None)
    session.flush()
    queue_next(session, request)


def queue_next(session: Session, request: PrivacyRequest) -> PrivacyRequestStep | None:
    """Queue the job of the first pending step (keyed by the step: queued once, whoever asks)."""
    for step in steps_of(session, request.id):
        if step.status == StepStatus.PENDING.value:
            job = enqueue(
                session, STEP_JOB, args={"step_id": step.id}, key=f"{STEP_JOB}:{step.id}", tenant_id=request.tenant_id
            )
            step.job_id = job.id
            session.flush()
            return step
        if step.status in (StepStatus.RUNNING.value, StepStatus.FAILED.value):
            return None
    return None


def needs_approval(request_type: RequestType, holdings: list[Holding]) -> bool:
    """Whether the business must decide: it does for its customers' data we process for it, except an
    opt-out, which concerns only the platform's own promotional messages (ours to honour, not its to decide)."""
    if request_type is RequestType.OPT_OUT:
        return False
    return any(holding.role is SubjectRole.PROCESSOR for holding in holdings)


def transition(session: Session, request: PrivacyRequest, *, seen: RequestStatus, to: RequestStatus) -> bool:
    """Move the request from `seen` to `to` if it is still in `seen`; whether this call did it."""
    now = utcnow()
    values: dict[str, Any] = {"status": to.value}
    if to is RequestStatus.COMPLETED:
        values.update(completed_at=now, closed_at=now)
    elif to is RequestStatus.REFUSED:
        values.update(closed_at=now)
    result = session.execute(
        update(PrivacyRequest)
        .where(PrivacyRequest.id == request.id, PrivacyRequest.status == seen.value)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    session.refresh(request)
    return bool(result.rowcount == 1)


def skip_pending(session: Session, request: PrivacyRequest) -> None:
    """A refused request runs no further step."""
    for step in steps_of(session, request.id):
        if step.status == StepStatus.PENDING.value:
            step.status = StepStatus.SKIPPED.value
            step.finished_at = utcnow()
    session.flush()
