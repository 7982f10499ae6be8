"""Invoice records: listed for the tenant, read under restriction by a privacy officer.

They are deleted when the policy's period ends by the retention sweep (`billing/sweepers.py`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.billing import repository
from omniwise.billing.models import BillingInvoice
from omniwise.billing.schemas import InvoiceRead, RestrictedInvoiceRead, RestrictedReadReason
from omniwise.billing.service.accounts import audit
from omniwise.kit.pagination import Page, decode_cursor, encode_cursor
from omniwise.tenants.models import Tenant
from omniwise.tenants.service import require


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
