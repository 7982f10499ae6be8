"""The disclosure gate: every send of personal data to a recipient passes `disclose` first.

The gate checks the send against the policy (the recipient is declared, receives these
categories, for this purpose, which each category allows), against the transfer rules
(a recipient outside the tenant's region needs a mechanism that covers it), and against
the tenant's choices (a partner receives nothing without the tenant's opt-in). A send that
passes leaves a `Disclosure` row and an audit event; one that does not is refused, and the
refusal is audited even though the caller's transaction rolls back.

There is no way to sell personal data through it: no purpose of the policy may be a sale
(the linter refuses one), and the gate refuses a sale data use even if one slipped in.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission, Role
from omniwise.disclosures.models import Disclosure, SharingOptIn
from omniwise.errors import Forbidden, NotFound
from omniwise.kit.clock import utcnow
from omniwise.kit.db import tenant_scoped
from omniwise.policy import taxonomy
from omniwise.policy.model import Policy, Recipient, RecipientKind, TransferRoute
from omniwise.policy.refusals import record_refusal
from omniwise.tenants.models import Tenant
from omniwise.tenants.service import require


class DisclosureRefused(Forbidden):
    """The policy, the transfer rules or the tenant's choices do not allow this disclosure."""


def _refuse(
    session: Session,
    policy: Policy,
    *,
    tenant: Tenant,
    recipient_id: str,
    purpose: str,
    categories: Sequence[str],
    actor: Actor,
    subject_id: uuid.UUID | None,
    reason: str,
    detail: str,
) -> DisclosureRefused:
    record_refusal(
        session,
        AuditEntry(
            name="disclosures:disclosure:refused",
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=tenant.id,
            purpose=purpose,
            object_type="recipient",
            object_id=recipient_id,
            subject_id=subject_id,
            details={"categories": list(categories), "reason": reason, "policy_sha256": policy.sha256},
        ),
    )
    return DisclosureRefused(detail, extra={"recipient": recipient_id, "reason": reason})


@dataclass(frozen=True)
class Approval:
    """A disclosure the gate allowed, not yet recorded: record it once the data has actually left."""

    tenant_id: uuid.UUID
    region: str
    recipient_id: str
    categories: list[str]
    purpose: str
    legal_basis: str
    route: TransferRoute
    actor: Actor
    subject_id: uuid.UUID | None
    policy_sha256: str


def check_disclosure(
    session: Session,
    policy: Policy,
    *,
    tenant: Tenant,
    recipient_id: str,
    categories: Sequence[str],
    purpose: str,
    actor: Actor,
    subject_id: uuid.UUID | None = None,
) -> Approval:
    """Allow a disclosure, or raise DisclosureRefused (403) and audit the refusal; records nothing yet."""
    if not categories:
        raise ValueError("a disclosure names at least one category")

    def refuse(reason: str, detail: str) -> DisclosureRefused:
        return _refuse(
            session,
            policy,
            tenant=tenant,
            recipient_id=recipient_id,
            purpose=purpose,
            categories=categories,
            actor=actor,
            subject_id=subject_id,
            reason=reason,
            detail=detail,
        )

    recipient = policy.recipients_by_id.get(recipient_id)
    if recipient is None:
        raise refuse("undeclared_recipient", f"recipient '{recipient_id}' is not declared in the privacy policy")
    declared_purpose = policy.purposes_by_id.get(purpose)
    if declared_purpose is None:
        raise refuse("undeclared_purpose", f"purpose '{purpose}' is not declared in the privacy policy")
    if taxonomy.is_sale(declared_purpose.data_use):
        raise refuse("sale", "personal information is never sold")
    if purpose not in recipient.purposes:
        raise refuse(
            "purpose_not_allowed", f"the privacy policy does not let '{recipient_id}' receive data for '{purpose}'"
        )
    for category in categories:
        if category not in recipient.categories:
            raise refuse(
                "category_not_allowed", f"the privacy policy does not let '{recipient_id}' receive '{category}'"
            )
        if not policy.allows(category, purpose):
            raise refuse(
                "category_purpose_not_allowed",
                f"the privacy policy does not allow category '{category}' to be used for purpose '{purpose}'",
            )
    route = policy.route(recipient, tenant.region)
    if route is None:
        raise refuse(
            "no_transfer_mechanism",
            f"no transfer mechanism covers data of region '{tenant.region}' going to '{recipient_id}'",
        )
    if (
        recipient.kind is RecipientKind.PARTNER
        and active_opt_in(session, tenant_id=tenant.id, recipient_id=recipient_id) is None
    ):
        raise refuse("no_opt_in", f"the business has not opted in to sharing with partner '{recipient_id}'")
    if declared_purpose.legal_basis is None:  # a loaded policy has passed the linter; a hand-built one may not
        raise refuse("no_legal_basis", f"purpose '{purpose}' has no legal basis in the privacy policy")
    return Approval(
        tenant_id=tenant.id,
        region=tenant.region,
        recipient_id=recipient_id,
        categories=sorted(set(categories)),
        purpose=purpose,
        legal_basis=declared_purpose.legal_basis.value,
        route=route,
        actor=actor,
        subject_id=subject_id,
        policy_sha256=policy.sha256,
    )


def record_disclosure(session: Session, approval: Approval, *, reference: str | None = None) -> Disclosure:
    """Record an allowed disclosure: who received which categories, why, when, under which safeguard."""
    route, actor = approval.route, approval.actor
    disclosure = Disclosure(
        id=uuid.uuid4(),
        tenant_id=approval.tenant_id,
        subject_id=approval.subject_id,
        recipient_id=approval.recipient_id,
        categories=approval.categories,
        purpose=approval.purpose,
        legal_basis=approval.legal_basis,
        region=approval.region,
        transfer_mechanism=route.label,
        transfer_id=route.mechanism.id if route.mechanism is not None else None,
        reference=reference,
        actor_type=actor.kind,
        actor_id=actor.id,
        policy_sha256=approval.policy_sha256,
        created_at=utcnow(),
    )
    session.add(disclosure)
    session.flush()
    record(
        session,
        AuditEntry(
            name="disclosures:disclosure:recorded",
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=approval.tenant_id,
            purpose=approval.purpose,
            object_type="disclosure",
            object_id=str(disclosure.id),
            subject_id=approval.subject_id,
            details={"recipient": approval.recipient_id, "categories": disclosure.categories, "transfer": route.label},
        ),
    )
    return disclosure


def disclose(
    session: Session,
    policy: Policy,
    *,
    tenant: Tenant,
    recipient_id: str,
    categories: Sequence[str],
    purpose: str,
    actor: Actor,
    subject_id: uuid.UUID | None = None,
    reference: str | None = None,
) -> Disclosure:
    """Allow and record one disclosure, or raise DisclosureRefused (403) and audit the refusal.

    Call it in the same transaction as the work that sends, before the send: if the send
    fails and the transaction rolls back, the record goes with it. A sender that handles
    its own failures without rolling back (the mail outbox) uses `check_disclosure`
    before the send and `record_disclosure` after it. `reference` is the recipient's id
    for what was sent (a Stripe customer id, a Zendesk ticket id), never personal data.
    """
    approval = check_disclosure(
        session,
        policy,
        tenant=tenant,
        recipient_id=recipient_id,
        categories=categories,
        purpose=purpose,
        actor=actor,
        subject_id=subject_id,
    )
    return record_disclosure(session, approval, reference=reference)


def active_opt_in(session: Session, *, tenant_id: uuid.UUID, recipient_id: str) -> SharingOptIn | None:
    statement = tenant_scoped(select(SharingOptIn), SharingOptIn, tenant_id).where(
        SharingOptIn.recipient_id == recipient_id, SharingOptIn.withdrawn_at.is_(None)
    )
    return session.scalars(statement).first()


def _require_tenant_admin(actor: Actor, tenant: Tenant) -> None:
    # Sharing with partners rests on the business's consent: only its own admins can give
    # or withdraw it, and vendor staff cannot give it on the business's behalf.
    if actor.kind == "system":
        return
    if actor.role is not Role.TENANT_ADMIN or actor.tenant_id != tenant.id:
        raise Forbidden("only an admin of the business may opt in to or out of sharing with partners")


def _partner(policy: Policy, recipient_id: str) -> Recipient:
    recipient = policy.recipients_by_id.get(recipient_id)
    if recipient is None or recipient.kind is not RecipientKind.PARTNER:
        raise NotFound(f"partner '{recipient_id}' is not declared in the privacy policy")
    return recipient


@dataclass(frozen=True)
class SharingChoice:
    """A partner of the policy and the business's current choice about it."""

    recipient: Recipient
    opt_in: SharingOptIn | None


def list_sharing(session: Session, policy: Policy, *, tenant: Tenant, actor: Actor) -> list[SharingChoice]:
    """Every partner the policy declares, with whether the business has opted in to each."""
    require(actor, Permission.TENANTS_READ)
    return [
        SharingChoice(recipient, active_opt_in(session, tenant_id=tenant.id, recipient_id=recipient.id))
        for recipient in policy.recipients
        if recipient.kind is RecipientKind.PARTNER
    ]


def opt_in(session: Session, policy: Policy, *, tenant: Tenant, recipient_id: str, actor: Actor) -> SharingOptIn:
    """Record the tenant's opt-in to sharing with a partner; opting in twice keeps the first."""
    _partner(policy, recipient_id)
    _require_tenant_admin(actor, tenant)
    existing = active_opt_in(session, tenant_id=tenant.id, recipient_id=recipient_id)
    if existing is not None:
        return existing
    row = SharingOptIn(
        id=uuid.uuid4(),
        tenant_id=tenant.id,
        recipient_id=recipient_id,
        opted_in_at=utcnow(),
        opted_in_by_type=actor.kind,
        opted_in_by_id=actor.id,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # a concurrent opt-in won (one active opt-in per partner): theirs stands
        winner = active_opt_in(session, tenant_id=tenant.id, recipient_id=recipient_id)
        assert winner is not None
        return winner
    _audit_choice(session, actor, tenant, recipient_id, "opted_in")
    return row


def withdraw_opt_in(session: Session, *, tenant: Tenant, recipient_id: str, actor: Actor) -> bool:
    """Withdraw an opt-in; the row stays as history. Whether there was one to withdraw.

    No policy check: an opt-in to a partner the policy no longer names can still be withdrawn.
    """
    _require_tenant_admin(actor, tenant)
    existing = active_opt_in(session, tenant_id=tenant.id, recipient_id=recipient_id)
    if existing is None:
        return False
    existing.withdrawn_at = utcnow()
    existing.withdrawn_by_type = actor.kind
    existing.withdrawn_by_id = actor.id
    session.flush()
    _audit_choice(session, actor, tenant, recipient_id, "opt_in_withdrawn")
    return True


def _audit_choice(session: Session, actor: Actor, tenant: Tenant, recipient_id: str, action: str) -> None:
    record(
        session,
        AuditEntry(
            name=f"disclosures:sharing:{action}",
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=tenant.id,
            purpose="joint_marketing",
            object_type="recipient",
            object_id=recipient_id,
        ),
    )


def opt_in_choice(
    session: Session, policy: Policy, *, tenant: Tenant, recipient_id: str, actor: Actor
) -> SharingChoice:
    """Opt in (see `opt_in`) and return the partner with the business's standing choice."""
    row = opt_in(session, policy, tenant=tenant, recipient_id=recipient_id, actor=actor)
    return SharingChoice(_partner(policy, recipient_id), row)


def withdraw_choice(session: Session, policy: Policy, *, tenant: Tenant, recipient_id: str, actor: Actor) -> None:
    """Withdraw (see `withdraw_opt_in`); NotFound for an id that is neither a partner nor opted in to."""
    if active_opt_in(session, tenant_id=tenant.id, recipient_id=recipient_id) is None:
        _partner(policy, recipient_id)
    withdraw_opt_in(session, tenant=tenant, recipient_id=recipient_id, actor=actor)
