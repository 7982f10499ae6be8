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

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import Actor
from omniwise.disclosures.models import Disclosure, SharingOptIn
from omniwise.errors import Forbidden, NotFound
from omniwise.kit.clock import utcnow
from omniwise.policy import taxonomy
from omniwise.policy.model import Policy, RecipientKind
from omniwise.policy.refusals import record_refusal
from omniwise.tenants.models import Tenant


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
    fails and the transaction rolls back, the record goes with it. `reference` is the
    recipient's id for what was sent (a Stripe customer id, a Zendesk ticket id), never
    personal data itself.
    """
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
    assert declared_purpose.legal_basis is not None  # a loaded policy has passed the linter
    disclosure = Disclosure(
        id=uuid.uuid4(),
        tenant_id=tenant.id,
        subject_id=subject_id,
        recipient_id=recipient_id,
        categories=sorted(set(categories)),
        purpose=purpose,
        legal_basis=declared_purpose.legal_basis.value,
        region=tenant.region,
        transfer_mechanism=route.label,
        transfer_id=route.mechanism.id if route.mechanism is not None else None,
        reference=reference,
        actor_type=actor.kind,
        actor_id=actor.id,
        policy_sha256=policy.sha256,
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
            tenant_id=tenant.id,
            purpose=purpose,
            object_type="disclosure",
            object_id=str(disclosure.id),
            subject_id=subject_id,
            details={"recipient": recipient_id, "categories": disclosure.categories, "transfer": route.label},
        ),
    )
    return disclosure


def active_opt_in(session: Session, *, tenant_id: uuid.UUID, recipient_id: str) -> SharingOptIn | None:
    return session.scalars(
        select(SharingOptIn).where(
            SharingOptIn.tenant_id == tenant_id,
            SharingOptIn.recipient_id == recipient_id,
            SharingOptIn.withdrawn_at.is_(None),
        )
    ).first()


def opt_in(session: Session, policy: Policy, *, tenant: Tenant, recipient_id: str, actor: Actor) -> SharingOptIn:
    """Record the tenant's opt-in to sharing with a partner; opting in twice keeps the first."""
    recipient = policy.recipients_by_id.get(recipient_id)
    if recipient is None or recipient.kind is not RecipientKind.PARTNER:
        raise NotFound(f"partner '{recipient_id}' is not declared in the privacy policy")
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
    session.add(row)
    session.flush()
    _audit_choice(session, actor, tenant, recipient_id, "opted_in")
    return row


def withdraw_opt_in(session: Session, *, tenant: Tenant, recipient_id: str, actor: Actor) -> bool:
    """Withdraw an opt-in; the row stays as history. Whether there was one to withdraw."""
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
