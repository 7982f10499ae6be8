"""Closing a request: completed or refused, the requester told once, the address forgotten after.

The transition to a closed status is a conditional UPDATE, and the audit event and the
message are written only by the call that won it, in the same transaction: however often a
step is run again, a request completes once. Once the last message to the requester has
left the outbox, the sealed address is cleared (`forget_address`); the keyed hash stays.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import Actor
from omniwise.kit.clock import utcnow
from omniwise.messaging.models import MessageStatus, OutboxMessage
from omniwise.policy.purposes import Purpose
from omniwise.privacy import notices
from omniwise.privacy.models import PrivacyRequest, RequestStatus
from omniwise.privacy.workflow import skip_pending, transition
from omniwise.worker import enqueue

FORGET_JOB = "privacy.forget_address"


def audit(session: Session, request: PrivacyRequest, name: str, actor: Actor, **details: object) -> None:
    record(
        session,
        AuditEntry(
            name=name,
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=request.tenant_id,
            purpose=Purpose.PRIVACY_REQUESTS.value,
            object_type="privacy_request",
            object_id=str(request.id),
            details={"reference": request.reference, "type": request.type, **details},
        ),
    )


def final_message_key(request: PrivacyRequest) -> str:
    return f"privacy:{request.id}:closed"


def complete(
    session: Session, request: PrivacyRequest, *, actor: Actor, summary: list[str], export_path: str | None
) -> bool:
    """in_progress -> completed, with its one event and message; whether this call completed it."""
    if not transition(session, request, seen=RequestStatus.IN_PROGRESS, to=RequestStatus.COMPLETED):
        return False
    audit(session, request, "privacy:request:completed", actor, lines=len(request.report or []))
    notices.to_requester(
        session,
        request,
        template="privacy_completed",
        params={
            "reference": request.reference,
            "request_type": request.type,
            "summary": summary,
            "export_path": export_path,
        },
        actor=actor,
        key="closed",
    )
    _schedule_forget(session, request)
    return True


def refuse(session: Session, request: PrivacyRequest, *, actor: Actor, reason: str) -> bool:
    """Any open status -> refused, the reason recorded and the requester told; whether this call refused it."""
    seen = RequestStatus(request.status)
    if seen in (RequestStatus.COMPLETED, RequestStatus.REFUSED):
        return False
    if not transition(session, request, seen=seen, to=RequestStatus.REFUSED):
        return False
    request.refusal_reason = reason
    skip_pending(session, request)
    audit(session, request, "privacy:request:refused", actor, status_before=seen.value)
    notices.to_requester(
        session,
        request,
        template="privacy_refused",
        params={"reference": request.reference, "request_type": request.type, "reason": reason},
        actor=actor,
        key="closed",
    )
    _schedule_forget(session, request)
    return True


def _schedule_forget(session: Session, request: PrivacyRequest) -> None:
    enqueue(session, FORGET_JOB, args={"request_id": request.id}, key=f"{FORGET_JOB}:{request.id}")


def final_message_left(session: Session, request: PrivacyRequest) -> bool:
    status = session.scalar(select(OutboxMessage.status).where(OutboxMessage.dedupe_key == final_message_key(request)))
    return status is not None and status != MessageStatus.QUEUED.value


def forget_address(session: Session, request: PrivacyRequest) -> bool:
    """Clear the sealed address and corrections of a closed request whose last message has left; whether it did."""
    if request.closed_at is None or request.email_ct is None:
        return False
    if not final_message_left(session, request):
        return False
    request.email_ct = None
    request.corrections_ct = None
    session.flush()
    record(
        session,
        AuditEntry(
            name="privacy:request:address_cleared",
            actor_type="system",
            actor_id="system",
            tenant_id=request.tenant_id,
            purpose=Purpose.PRIVACY_REQUESTS.value,
            object_type="privacy_request",
            object_id=str(request.id),
            details={"closed_at": utcnow().isoformat()},
        ),
    )
    return True
