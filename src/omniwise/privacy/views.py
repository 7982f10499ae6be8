"""A request as the API shows it: status, deadlines, steps with their states, holdings (ids and counts), report."""

from __future__ import annotations

from sqlalchemy.orm import Session

from omniwise.kit.clock import utcnow
from omniwise.privacy.models import OPEN_STATUSES, PrivacyRequest
from omniwise.privacy.schemas import HoldingSummary, RequestRead, StepRead
from omniwise.privacy.workflow import steps_of, stored_holdings


def request_read(session: Session, request: PrivacyRequest, *, detail: bool = True) -> RequestRead:
    open_now = request.status in {s.value for s in OPEN_STATUSES}
    read = RequestRead(
        id=request.id,
        reference=request.reference,
        type=request.type,
        status=request.status,
        channel=request.channel,
        tenant_id=request.tenant_id,
        law=request.law,
        received_at=request.received_at,
        acknowledged_at=request.acknowledged_at,
        verified_at=request.verified_at,
        verification=request.verification,
        due_at=request.due_at,
        extended_to=request.extended_to,
        overdue=open_now and request.deadline < utcnow(),
        needs_approval=request.needs_approval,
        decision=request.decision,
        instruction=request.instruction,
        refusal_reason=request.refusal_reason,
        completed_at=request.completed_at,
        split_from_id=request.split_from_id,
    )
    if detail:
        read.steps = [
            StepRead(
                name=s.name,
                contribution=s.contribution,
                status=s.status,
                attempts=s.attempts,
                finished_at=s.finished_at,
            )
            for s in steps_of(session, request.id)
        ]
        read.holdings = [
            HoldingSummary(
                contribution=h.contribution,
                category=h.category,
                role=h.role.value,
                records=h.records,
                description=h.description,
            )
            for h in stored_holdings(request)
        ]
        read.report = list(request.report or [])
    return read
