"""Privacy requests: opening, verifying, reading, deciding, extending, refusing, and their figures.

The rules of who may see what live here: vendor staff holding `privacy-requests:read` see
every request; a tenant admin sees only their own business's (another's answers 404, as
if it did not exist); only a business's admins decide its customers' requests. Endpoints,
pages and commands all call these functions, so the rules are checked in one place.

Duplicates: a second request from the same address (same keyed hash), of the same type and
for the same business, while the first is still open, is merged into it: the existing
request is returned and no new row is written (the requester's new message is answered by
the first request's acknowledgement and, where the new one was verified by staff, that
verification is applied to the first).
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.errors import Conflict, Forbidden, NotFound, ValidationFailed
from omniwise.kit.clock import utcnow
from omniwise.kit.db import tenant_scoped
from omniwise.kit.shapes import looks_personal
from omniwise.policy.binding import policy_for
from omniwise.privacy import closing, notices, sealing, tokens
from omniwise.privacy.contract import RequestType, ZendeskInstruction, all_contributions
from omniwise.privacy.deadlines import choose_law, deadlines_for, is_due_soon, is_overdue
from omniwise.privacy.models import (
    OPEN_STATUSES,
    PrivacyRequest,
    RequestStatus,
    TokenPurpose,
)
from omniwise.privacy.workflow import plan_actions, start, stored_holdings, transition
from omniwise.runtime import Runtime
from omniwise.tenants.models import Tenant

CHANNELS = frozenset({"public", "api", "zendesk_app", "cli", "portal", "console"})
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,63}$")
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
MAX_REASON = 500
# how the sidebar records an agent's verification: Zendesk's ids are long numbers, not phone numbers
SIDEBAR_VERIFICATION = re.compile(r"^Zendesk agent (\d{1,20}|unknown)( on ticket \d{1,20})?$")
OPEN_VALUES = tuple(status.value for status in OPEN_STATUSES)
# the person asking, before or without an account: may open a request and follow it by its token
PUBLIC = Actor(kind="public", id="requester", role=None)


def actor_label(actor: Actor) -> str:
    return f"{actor.kind}:{actor.id}"[:120]


def _reference(session: Session) -> str:
    while True:
        reference = "PR-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
        if session.scalar(select(PrivacyRequest.id).where(PrivacyRequest.reference == reference)) is None:
            return reference


def _text(field: str, value: str | None, *, required: bool) -> str | None:
    """A reason or a verification note: bounded, and free of addresses and numbers that name people."""
    if value is None or not value.strip():
        if required:
            raise ValidationFailed(f"{field}: required")
        return None
    text = " ".join(value.split())
    if len(text) > MAX_REASON:
        raise ValidationFailed(f"{field}: at most {MAX_REASON} characters")
    if looks_personal(text):
        raise ValidationFailed(f"{field}: must not contain an address or a phone number")
    return text


def _check_changes(request_type: RequestType, changes: Mapping[str, str] | None) -> dict[str, str]:
    if request_type is not RequestType.CORRECTION:
        if changes:
            raise ValidationFailed("changes: only a correction request takes changes")
        return {}
    if not changes:
        raise ValidationFailed("changes: a correction request names at least one field and its new value")
    allowed: set[str] = set()
    for contribution in all_contributions():
        allowed.update(contribution.correctable())
    checked: dict[str, str] = {}
    for name, value in changes.items():
        if name not in allowed:
            raise ValidationFailed(f"changes.{name}: not a field that can be corrected")
        if not isinstance(value, str) or not value.strip() or len(value) > 500:
            raise ValidationFailed(f"changes.{name}: a text of 1 to 500 characters")
        checked[name] = value.strip()
    for contribution in all_contributions():
        fields = contribution.correctable()
        own = {name: value for name, value in checked.items() if name in fields}
        if not own:
            continue
        try:
            contribution.check_changes(own)
        except ValidationFailed as exc:
            raise ValidationFailed(f"changes.{exc.detail}") from None
    return checked


def _tenant_for(session: Session, actor: Actor, tenant_id: uuid.UUID | None) -> Tenant | None:
    if tenant_id is None:
        if actor.tenant_id is not None and actor.kind != "system":
            raise ValidationFailed("tenant_id: required for a business's user")
        return None
    tenant = session.get(Tenant, tenant_id)
    # anyone may ask about a business's data; a signed-in caller acts only for businesses they may see
    if tenant is None or (actor.kind != PUBLIC.kind and not actor.can_access_tenant(tenant_id)):
        raise NotFound(f"tenant {tenant_id} not found")
    return tenant


def open_request(
    session: Session,
    runtime: Runtime,
    *,
    type: str,
    email: str,
    tenant_id: uuid.UUID | None,
    jurisdiction: str | None,
    channel: str,
    actor: Actor,
    verified_by: str | None,
    changes: Mapping[str, str] | None = None,
    zendesk_user: tuple[uuid.UUID, int] | None = None,
) -> PrivacyRequest:
    """Open a request (or return the open one it duplicates); see the module's note on merging."""
    try:
        request_type = RequestType(type)
    except ValueError:
        raise ValidationFailed(f"type: must be one of {', '.join(t.value for t in RequestType)}") from None
    if not isinstance(email, str) or not EMAIL.match(email.strip()):
        raise ValidationFailed("email: not an email address")
    if channel not in CHANNELS:
        raise ValidationFailed(f"channel: must be one of {', '.join(sorted(CHANNELS))}")
    if verified_by is not None and actor.kind != "system" and not actor.can(Permission.PRIVACY_REQUESTS_MANAGE):
        raise Forbidden("only staff and a business's admins may record a verification")
    if verified_by is not None and channel == "zendesk_app" and SIDEBAR_VERIFICATION.match(verified_by):
        verification: str | None = verified_by
    else:
        verification = _text("verification", verified_by, required=False) if verified_by is not None else None
    tenant = _tenant_for(session, actor, tenant_id)
    checked_changes = _check_changes(request_type, changes)
    policy = policy_for(session)
    law = choose_law(policy, jurisdiction=jurisdiction, tenant_region=tenant.region if tenant else None)
    key = sealing.address_key(runtime.keyring, email)

    duplicate = session.scalars(
        select(PrivacyRequest)
        .where(
            PrivacyRequest.email_hmac == key,
            PrivacyRequest.type == request_type.value,
            PrivacyRequest.tenant_id.is_(None) if tenant is None else PrivacyRequest.tenant_id == tenant.id,
            PrivacyRequest.status.in_(OPEN_VALUES),
            PrivacyRequest.merged_into_id.is_(None),
        )
        .order_by(PrivacyRequest.received_at)
        .limit(1)
    ).one_or_none()
    if duplicate is not None:
        closing.audit(session, duplicate, "privacy:request:merged", actor, channel=channel)
        if verification is not None and duplicate.status == RequestStatus.VERIFYING.value:
            _mark_verified(session, duplicate, how=verification)
        return duplicate

    now = utcnow()
    due = deadlines_for(law, now)
    request = PrivacyRequest(
        id=uuid.uuid4(),
        reference=_reference(session),
        type=request_type.value,
        status=RequestStatus.VERIFYING.value if verification is None else RequestStatus.RECEIVED.value,
        channel=channel,
        tenant_id=tenant.id if tenant else None,
        law=law.id,
        email_hmac=key,
        submitted_by=actor_label(actor),
        received_at=now,
        acknowledge_by=due.acknowledge_by,
        due_at=due.due_at,
        needs_approval=False,
        zendesk_connection_id=zendesk_user[0] if zendesk_user else None,
        zendesk_user_id=zendesk_user[1] if zendesk_user else None,
    )
    request.email_ct = sealing.seal_email(runtime.keyring, request.id, email)
    if checked_changes:
        request.corrections_ct = sealing.seal_changes(runtime.keyring, request.id, checked_changes)
    session.add(request)
    session.flush()
    closing.audit(session, request, "privacy:request:opened", actor, channel=channel, law=law.id)
    params = {
        "reference": request.reference,
        "request_type": request.type,
        "law": law.short_name,
        "received_on": notices.day(now),
        "due_on": notices.day(request.due_at),
        "needs_verification": verification is None,
    }
    notices.to_requester(session, request, template="privacy_acknowledgement", params=params, actor=actor, key="ack")
    request.acknowledged_at = now
    if verification is None:
        token = tokens.issue(session, request=request, purpose=TokenPurpose.VERIFY)
        notices.to_requester(
            session,
            request,
            template="privacy_verification",
            params={
                "reference": request.reference,
                "request_type": request.type,
                "law": law.short_name,
                "verify_path": f"/privacy/requests/verify?token={token}",
            },
            actor=actor,
            key=f"verify:{request.verified_at or now:%Y%m%d%H%M%S}",
        )
    else:
        _mark_verified(session, request, how=verification)
    return request


def split_by_business(
    session: Session,
    runtime: Runtime,
    request: PrivacyRequest,
    *,
    tenants: list[uuid.UUID],
    email: str,
    actor: Actor,
) -> list[PrivacyRequest]:
    """One request per business for a person who named none and turns out to be the customer of several.

    Each business decides on its own customers' data and must learn nothing of the others',
    so each gets a request of its own, routed to its admins as if the person had named it:
    the same type, law, dates and deadline, verified by the first request (which keeps the
    platform's own data, for which Omni Wise is the controller). The first request's report
    names the requests it passed on; each of them answers the person when it is done.
    """
    changes = sealing.open_changes(runtime.keyring, request.id, request.corrections_ct)
    parts = []
    for tenant_id in tenants:
        part = PrivacyRequest(
            id=uuid.uuid4(),
            reference=_reference(session),
            type=request.type,
            status=RequestStatus.VERIFYING.value,
            channel=request.channel,
            tenant_id=tenant_id,
            law=request.law,
            email_hmac=request.email_hmac,
            submitted_by=request.submitted_by,
            received_at=request.received_at,
            acknowledged_at=request.acknowledged_at,
            acknowledge_by=request.acknowledge_by,
            due_at=request.due_at,
            extended_to=request.extended_to,
            extension_notice_at=request.extension_notice_at,
            extension_reason=request.extension_reason,
            needs_approval=False,
            split_from_id=request.id,
        )
        part.email_ct = sealing.seal_email(runtime.keyring, part.id, email)
        if changes:
            part.corrections_ct = sealing.seal_changes(runtime.keyring, part.id, changes)
        session.add(part)
        session.flush()
        closing.audit(session, part, "privacy:request:split", actor, split_from=str(request.id))
        _mark_verified(session, part, how=f"verified with request {request.reference}")
        parts.append(part)
    return parts


def _mark_verified(session: Session, request: PrivacyRequest, *, how: str) -> None:
    request.verified_at = utcnow()
    request.verification = how[:200]
    transition(session, request, seen=RequestStatus.VERIFYING, to=RequestStatus.RECEIVED)
    start(session, request)


def verify_request(session: Session, runtime: Runtime, *, token: str) -> tuple[PrivacyRequest, str]:
    """Confirm a request by its emailed link; the request and a token for its public status view."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise ValidationFailed("token: not a verification token")
    request = tokens.consume(session, token=token, purpose=TokenPurpose.VERIFY)
    status_token = sealing.new_token()
    request.status_token_hash = sealing.token_hash(status_token)
    if request.status == RequestStatus.VERIFYING.value:
        _mark_verified(session, request, how="email link")
        closing.audit(session, request, "privacy:request:verified", PUBLIC, method="email link")
    return request, status_token


def _scoped(statement: Select[PrivacyRequest], actor: Actor) -> Select[PrivacyRequest]:
    if not actor.can(Permission.PRIVACY_REQUESTS_READ):
        raise Forbidden("reading privacy requests needs the privacy-requests:read permission")
    if actor.kind == "system" or (actor.role is not None and actor.role.is_vendor_staff):
        return statement
    if actor.tenant_id is None:
        raise Forbidden("reading privacy requests needs the privacy-requests:read permission")
    return tenant_scoped(statement, PrivacyRequest, actor.tenant_id)


def get_request(session: Session, *, actor: Actor, request_id: uuid.UUID) -> PrivacyRequest:
    statement = _scoped(select(PrivacyRequest), actor).where(PrivacyRequest.id == request_id)
    request: PrivacyRequest | None = session.scalars(statement).one_or_none()
    if request is None:
        raise NotFound(f"privacy request {request_id} not found")
    return request


def list_requests(
    session: Session,
    *,
    actor: Actor,
    tenant_id: uuid.UUID | None = None,
    status: str | None = None,
    overdue: bool = False,
    limit: int = 100,
    now: datetime | None = None,
) -> list[PrivacyRequest]:
    """Requests the actor may see: overdue first, then by the date they are due."""
    moment = now or utcnow()
    deadline = func.coalesce(PrivacyRequest.extended_to, PrivacyRequest.due_at)
    statement = _scoped(select(PrivacyRequest), actor)
    if tenant_id is not None:
        statement = tenant_scoped(statement, PrivacyRequest, tenant_id)
    if status == "open":
        statement = statement.where(PrivacyRequest.status.in_(OPEN_VALUES))
    elif status is not None:
        if status not in {s.value for s in RequestStatus}:
            raise ValidationFailed("status: must be 'open' or a request status")
        statement = statement.where(PrivacyRequest.status == status)
    is_late = PrivacyRequest.status.in_(OPEN_VALUES) & (deadline < moment)
    if overdue:
        statement = statement.where(is_late)
    if not 1 <= limit <= 500:
        raise ValidationFailed("limit: between 1 and 500")
    ordered = statement.order_by(case((is_late, 0), else_=1), deadline, PrivacyRequest.id).limit(limit)
    return list(session.scalars(ordered))


@dataclass(frozen=True)
class RequesterView:
    """What the requester's status page shows: no address, no holdings, only the request's course."""

    reference: str
    type: str
    status: str
    received_at: datetime
    due_at: datetime
    extended_to: datetime | None
    completed_at: datetime | None
    refusal_reason: str | None


def requester_view(session: Session, *, request_id: uuid.UUID, status_token: str) -> RequesterView:
    request = session.get(PrivacyRequest, request_id)
    if (
        request is None
        or request.status_token_hash is None
        or not secrets.compare_digest(request.status_token_hash, sealing.token_hash(status_token or ""))
    ):
        raise NotFound(f"privacy request {request_id} not found")
    return RequesterView(
        reference=request.reference,
        type=request.type,
        status=request.status,
        received_at=request.received_at,
        due_at=request.due_at,
        extended_to=request.extended_to,
        completed_at=request.completed_at,
        refusal_reason=request.refusal_reason,
    )


def decide_request(
    session: Session,
    runtime: Runtime,
    *,
    actor: Actor,
    request_id: uuid.UUID,
    approve: bool,
    instruction: ZendeskInstruction | None,
    reason: str | None,
) -> PrivacyRequest:
    """A business's admin approves (with an instruction for its Zendesk data) or refuses a customer's request."""
    if not actor.can(Permission.PRIVACY_REQUESTS_DECIDE):
        raise Forbidden("deciding a customer's privacy request needs the privacy-requests:decide permission")
    request = get_request(session, actor=actor, request_id=request_id)
    tenants = {h.tenant_id for h in stored_holdings(request) if h.role.value == "processor"}
    if actor.tenant_id is None or actor.tenant_id not in tenants | {request.tenant_id}:
        raise NotFound(f"privacy request {request_id} not found")
    if request.status != RequestStatus.AWAITING_APPROVAL.value:
        raise Conflict(f"privacy request {request_id} is {request.status}, not awaiting_approval")
    text = _text("reason", reason, required=not approve)
    if approve and RequestType(request.type) is RequestType.DELETION and instruction is None:
        raise ValidationFailed("instruction: a deletion needs an instruction for the customer's tickets")
    request.decided_at = utcnow()
    request.decided_by = actor_label(actor)
    request.decision = "approved" if approve else "refused"
    request.instruction = instruction.value if instruction is not None and approve else None
    request.decision_reason = text
    session.flush()
    closing.audit(session, request, "privacy:request:decided", actor, decision=request.decision)
    if approve:
        transition(session, request, seen=RequestStatus.AWAITING_APPROVAL, to=RequestStatus.IN_PROGRESS)
        plan_actions(session, request)
    else:
        assert text is not None
        closing.refuse(session, request, actor=actor, reason=f"The business whose data this is refused it: {text}")
    return request


def extend_request(
    session: Session, runtime: Runtime, *, actor: Actor, request_id: uuid.UUID, reason: str
) -> PrivacyRequest:
    """Take the law's extension, notifying the requester; only while the notice may still be given."""
    if not actor.can(Permission.PRIVACY_REQUESTS_MANAGE):
        raise Forbidden("extending a privacy request needs the privacy-requests:manage permission")
    request = get_request(session, actor=actor, request_id=request_id)
    text = _text("reason", reason, required=True)
    assert text is not None
    if request.status not in OPEN_VALUES:
        raise Conflict(f"privacy request {request_id} is {request.status}")
    if request.extended_to is not None:
        raise Conflict(f"privacy request {request_id} is extended already")
    law = policy_for(session).laws_by_id[request.law]
    due = deadlines_for(law, request.received_at)
    if due.extension_notice_by is None or due.extended_to is None:
        raise Conflict(f"{law.short_name} allows no extension")
    now = utcnow()
    if now > due.extension_notice_by:
        raise Conflict(f"the notice of an extension had to be given by {due.extension_notice_by.date().isoformat()}")
    request.extended_to = due.extended_to
    request.extension_notice_at = now
    request.extension_reason = text
    session.flush()
    closing.audit(session, request, "privacy:request:extended", actor, extended_to=due.extended_to.isoformat())
    notices.to_requester(
        session,
        request,
        template="privacy_extension",
        params={
            "reference": request.reference,
            "law": law.short_name,
            "reason": text,
            "due_on": notices.day(request.due_at),
            "extended_on": notices.day(due.extended_to),
        },
        actor=actor,
        key="extension",
    )
    return request


def refuse_request(
    session: Session, runtime: Runtime, *, actor: Actor, request_id: uuid.UUID, reason: str
) -> PrivacyRequest:
    if not actor.can(Permission.PRIVACY_REQUESTS_MANAGE):
        raise Forbidden("refusing a privacy request needs the privacy-requests:manage permission")
    request = get_request(session, actor=actor, request_id=request_id)
    text = _text("reason", reason, required=True)
    assert text is not None
    if not closing.refuse(session, request, actor=actor, reason=text):
        raise Conflict(f"privacy request {request_id} is {request.status}")
    return request


def issue_export_link(session: Session, runtime: Runtime, *, actor: Actor, request_id: uuid.UUID) -> str:
    """A new one-time download path for a completed access or portability request (audited)."""
    if not actor.can(Permission.PRIVACY_REQUESTS_MANAGE):
        raise Forbidden("issuing an export link needs the privacy-requests:manage permission")
    request = require_export(session, actor=actor, request_id=request_id)
    token = tokens.issue_export_token(session, request=request)
    closing.audit(session, request, "privacy:export_link:issued", actor)
    return f"/privacy/exports/{token}"


def require_export(session: Session, *, actor: Actor, request_id: uuid.UUID) -> PrivacyRequest:
    request = get_request(session, actor=actor, request_id=request_id)
    if RequestType(request.type) not in (RequestType.ACCESS, RequestType.PORTABILITY):
        raise Conflict(f"privacy request {request_id} is a {request.type} request, which has no export")
    if request.status != RequestStatus.COMPLETED.value:
        raise Conflict(f"privacy request {request_id} is {request.status}; its export is ready once it is completed")
    return request


def download_export(session: Session, *, actor: Actor, request_id: uuid.UUID) -> PrivacyRequest:
    request = require_export(session, actor=actor, request_id=request_id)
    closing.audit(session, request, "privacy:export:downloaded", actor, via="api")
    return request


def download_by_token(session: Session, *, token: str) -> PrivacyRequest:
    """The request a download link opens, once; 404 unknown, 410 used or expired. Audited."""
    request = tokens.consume(session, token=token, purpose=TokenPurpose.EXPORT)
    closing.audit(session, request, "privacy:export:downloaded", PUBLIC, via="link")
    return request


@dataclass(frozen=True)
class WeekFigures:
    week: str  # ISO week, "2026-W48"
    completed_on_time: int
    completed_late: int
    refused: int
    open_overdue: int


def weekly_figures(
    session: Session, *, weeks: int = 12, tenant_id: uuid.UUID | None = None, now: datetime | None = None
) -> list[WeekFigures]:
    """Per ISO week, oldest first: requests completed on time and late, refused, and those still open past due."""
    moment = now or utcnow()
    monday = (moment - timedelta(days=moment.weekday())).date()
    starts = [monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    first = datetime.combine(starts[0], datetime.min.time(), tzinfo=moment.tzinfo)
    statement = select(PrivacyRequest).where(
        (PrivacyRequest.closed_at >= first) | PrivacyRequest.status.in_(OPEN_VALUES)
    )
    if tenant_id is not None:
        statement = tenant_scoped(statement, PrivacyRequest, tenant_id)
    counts = {start: [0, 0, 0, 0] for start in starts}

    def week_of(when: datetime) -> date:
        return (when - timedelta(days=when.weekday())).date()

    for request in session.scalars(statement):
        if request.status == RequestStatus.COMPLETED.value and request.completed_at is not None:
            bucket = counts.get(week_of(request.completed_at))
            if bucket is not None:
                bucket[0 if request.completed_at <= request.deadline else 1] += 1
        elif request.status == RequestStatus.REFUSED.value and request.closed_at is not None:
            bucket = counts.get(week_of(request.closed_at))
            if bucket is not None:
                bucket[2] += 1
        elif request.status in OPEN_VALUES and request.deadline < moment:
            bucket = counts.get(week_of(max(request.deadline, first)))
            if bucket is not None:
                bucket[3] += 1
    return [
        WeekFigures(f"{start.isocalendar().year}-W{start.isocalendar().week:02d}", *counts[start]) for start in starts
    ]


def due_soon_and_overdue(session: Session, *, now: datetime) -> tuple[list[PrivacyRequest], list[PrivacyRequest]]:
    """Open requests due within seven days, and those past due, each by deadline."""
    statement = select(PrivacyRequest).where(PrivacyRequest.status.in_(OPEN_VALUES))
    requests = sorted(session.scalars(statement), key=lambda r: (r.deadline, r.reference))
    return (
        [r for r in requests if is_due_soon(r.deadline, now)],
        [r for r in requests if is_overdue(r.deadline, now)],
    )
