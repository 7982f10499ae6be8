"""The chain's status for people: verified on demand, and the newest result of the background check."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniwise.audit.anchor import AnchorSink
from omniwise.audit.models import AuditVerification
from omniwise.audit.verify import VerifyResult, verify_chain
from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.tenants.service import require


def verify_now(session: Session, *, actor: Actor, anchor_sink: AnchorSink) -> VerifyResult:
    require(actor, Permission.AUDIT_READ)
    return verify_chain(session, anchor_sink)


def latest_verification(session: Session, *, actor: Actor) -> AuditVerification | None:
    """The newest outcome stored by the `audit.verify_chain` job, if it has run."""
    require(actor, Permission.AUDIT_READ)
    stmt = select(AuditVerification).order_by(AuditVerification.created_at.desc()).limit(1)
    return session.scalars(stmt).first()
