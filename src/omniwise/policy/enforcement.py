"""Purpose-bound access: code that touches personal data names its purpose, and the policy decides."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry
from omniwise.auth.actor import Actor
from omniwise.errors import Forbidden
from omniwise.policy.model import Policy
from omniwise.policy.refusals import record_refusal


class PurposeRefused(Forbidden):
    """The privacy policy does not allow this purpose for this category of data."""


def require_purpose(
    session: Session,
    policy: Policy,
    *,
    category: str,
    purpose: str,
    actor: Actor,
    tenant_id: uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
) -> None:
    """Return if `category` may serve `purpose`; otherwise record `policy:purpose:refused` and raise."""
    purpose_id = str(purpose)
    if category not in policy.categories_by_id:
        reason, detail = "undeclared_category", f"category '{category}' is not declared in the privacy policy"
    elif purpose_id not in policy.purposes_by_id:
        reason, detail = "undeclared_purpose", f"purpose '{purpose_id}' is not declared in the privacy policy"
    elif purpose_id not in policy.categories_by_id[category].purposes:
        reason = "not_allowed"
        detail = f"the privacy policy does not allow category '{category}' to be used for purpose '{purpose_id}'"
    else:
        return
    record_refusal(
        session,
        AuditEntry(
            name="policy:purpose:refused",
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=tenant_id,
            purpose=purpose_id,
            object_type=object_type,
            object_id=object_id,
            subject_id=subject_id,
            details={"category": category, "reason": reason, "policy_sha256": policy.sha256},
        ),
    )
    raise PurposeRefused(detail, extra={"category": category, "purpose": purpose_id})
