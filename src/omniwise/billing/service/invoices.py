"""Invoice records: listed for the tenant, read under restriction by a privacy officer, deleted when due.

The same sweep deletes stored webhook events once Stripe can no longer redeliver them.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.billing import repository
from omniwise.billing.models import BillingInvoice
from omniwise.billing.schemas import InvoiceRead, RestrictedInvoiceRead, RestrictedReadReason
from omniwise.billing.service.accounts import audit
from omniwise.kit.clock import utcnow
from omniwise.kit.pagination import Page, decode_cursor, encode_cursor
from omniwise.tenants.models import Tenant
from omniwise.tenants.service import require

PURGE_BATCH = 500
# Stripe retries a delivery for up to three days; after a month an event id guards against nothing
EVENT_RETENTION = timedelta(days=30)


def _read(row: BillingInvoice) -> InvoiceRead:
    return InvoiceRead(
        id=row.id,
        stripe_invoice_id=row.stripe_invoice_id,
        number=row.number,
        currency=row.currency,
        amount_due=row.amount_due,
        amount_paid=row.amount_paid,
        total=row.total,
        status=row.status,
        issued_at=row.issued_at,
        due_at=row.due_at,
        paid_at=row.paid_at,
        period_start=row.period_start,
        period_end=row.period_end,
        hosted_invoice_url=row.hosted_invoice_url,
    )


def _page(
    session: Session, tenant: Tenant, *, restricted: bool, cursor: str | None, limit: int
) -> tuple[list[BillingInvoice], str | None]:
    rows = list(
        repository.invoice_page(
            session, tenant_id=tenant.id, restricted=restricted, after=decode_cursor(cursor), limit=limit + 1
        )
    )
    if len(rows) > limit:
        return rows[:limit], encode_cursor(rows[limit - 1].id)
    return rows, None


def list_invoices(
    session: Session, *, actor: Actor, tenant: Tenant, cursor: str | None, limit: int
) -> Page[InvoiceRead]:
    """The tenant's invoice records, newest first; restricted ones are not among them."""
    require(actor, Permission.BILLING_READ)
    rows, next_cursor = _page(session, tenant, restricted=False, cursor=cursor, limit=limit)
    return Page(items=[_read(row) for row in rows], next_cursor=next_cursor)


def read_restricted_invoices(
    session: Session,
    *,
    actor: Actor,
    tenant: Tenant,
    reason: RestrictedReadReason,
    reference: str | None,
    cursor: str | None,
    limit: int,
) -> Page[RestrictedInvoiceRead]:
    """Invoice records kept after closing, for a privacy officer who states why; every read is audited."""
    require(actor, Permission.BILLING_RESTRICTED_READ)
    rows, next_cursor = _page(session, tenant, restricted=True, cursor=cursor, limit=limit)
    audit(
        session,
        actor,
        tenant,
        "billing:invoices:restricted_read",
        object_type="tenant",
        object_id=str(tenant.id),
        details={
            "reason": reason.value,
            "reference": reference,
            "invoices": [str(row.id) for row in rows],
        },
    )
    items = []
    for row in rows:
        assert row.restricted_at is not None
        assert row.restricted_reason is not None
        assert row.delete_after is not None
        items.append(
            RestrictedInvoiceRead(
                **_read(row).model_dump(),
                restricted_at=row.restricted_at,
                restricted_reason=row.restricted_reason,
                delete_after=row.delete_after,
            )
        )
    return Page(items=items, next_cursor=next_cursor)


def purge_due_invoices(session: Session, *, actor: Actor, now: datetime | None = None) -> int:
    """Delete restricted invoice records whose legal period has ended; how many were deleted."""
    moment = now or utcnow()
    deleted: Counter[uuid.UUID] = Counter()
    while True:
        rows = repository.due_invoices(session, now=moment, limit=PURGE_BATCH)
        if not rows:
            break
        for row in rows:
            deleted[row.tenant_id] += 1
            session.delete(row)
        session.flush()
    for tenant_id, count in sorted(deleted.items(), key=lambda item: str(item[0])):
        record(
            session,
            AuditEntry(
                name="billing:invoices:purged",
                actor_type=actor.kind,
                actor_id=actor.id,
                tenant_id=tenant_id,
                purpose="legal_compliance",
                object_type="tenant",
                object_id=str(tenant_id),
                details={"count": count, "before": moment.isoformat()},
            ),
        )
    return sum(deleted.values())


def purge_old_events(session: Session, *, now: datetime | None = None) -> int:
    """Delete stored webhook events processed more than EVENT_RETENTION ago; how many."""
    return repository.delete_events(session, before=(now or utcnow()) - EVENT_RETENTION)
