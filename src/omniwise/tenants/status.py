"""A business at a glance for staff: its Zendesk connections with their last sync, and its billing state.

Each part is read through its own domain's service, so each needs its own permission;
a part the viewer may not read is left out rather than refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.billing.service import BillingStatus, billing_status
from omniwise.tenants.models import Tenant
from omniwise.zendesk.schemas import ConnectionRead, SyncRunRead
from omniwise.zendesk.sync import connection_summaries


@dataclass(frozen=True)
class TenantStatus:
    zendesk: list[tuple[ConnectionRead, SyncRunRead | None]] | None
    billing: BillingStatus | None


def tenant_status(session: Session, *, actor: Actor, tenant: Tenant) -> TenantStatus:
    zendesk = connection_summaries(session, actor=actor, tenant=tenant) if actor.can(Permission.ZENDESK_READ) else None
    billing = billing_status(session, actor=actor, tenant=tenant) if actor.can(Permission.BILLING_READ) else None
    return TenantStatus(zendesk, billing)
