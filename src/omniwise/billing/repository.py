"""SQL for billing; every query on a tenant's rows goes through `tenant_scoped`.

One lookup is not scoped to a tenant, by nature: finding the tenant of a Stripe customer
named in a webhook event. (The retention sweeps, which act on every tenant, are in `sweepers.py`.)
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, and_, delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from omniwise.billing.models import BillingAccount, BillingContact, BillingInvoice, BillingSubscription, StripeEvent
from omniwise.kit.clock import utcnow
from omniwise.kit.db import tenant_scoped


def _insert(session: Session, model: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return pg_insert(model) if dialect == "postgresql" else sqlite_insert(model)


def account(session: Session, *, tenant_id: uuid.UUID, for_update: bool = False) -> BillingAccount | None:
    stmt = tenant_scoped(select(BillingAccount), BillingAccount, tenant_id)
    if for_update:
        # the row may already be loaded: read it again under the lock, not from before it
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalars(stmt).one_or_none()


def ensure_account(session: Session, *, tenant_id: uuid.UUID) -> BillingAccount:
    """The tenant's account row, created if missing; locked for the rest of the transaction.

    ON CONFLICT lets two first requests of a tenant meet on one row instead of one failing,
    and the lock makes the second wait while the first creates the Stripe customer.
    """
    session.execute(
        _insert(session, BillingAccount)
        .values(id=uuid.uuid4(), tenant_id=tenant_id, status="active", created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["tenant_id"])
    )
    found = account(session, tenant_id=tenant_id, for_update=True)
    assert found is not None
    return found


def account_by_customer(session: Session, *, customer_id: str) -> BillingAccount | None:
    """The account of a Stripe customer: how a webhook event finds its tenant."""
    return session.scalars(select(BillingAccount).where(BillingAccount.stripe_customer_id == customer_id)).one_or_none()


def contact(session: Session, *, tenant_id: uuid.UUID) -> BillingContact | None:
    return session.scalars(tenant_scoped(select(BillingContact), BillingContact, tenant_id)).one_or_none()


def subscriptions(session: Session, *, tenant_id: uuid.UUID) -> Sequence[BillingSubscription]:
    stmt = tenant_scoped(select(BillingSubscription), BillingSubscription, tenant_id).order_by(
        BillingSubscription.created_at.desc(), BillingSubscription.id
    )
    return session.scalars(stmt).all()


def subscription(session: Session, *, tenant_id: uuid.UUID, stripe_id: str) -> BillingSubscription | None:
    stmt = tenant_scoped(select(BillingSubscription), BillingSubscription, tenant_id).where(
        BillingSubscription.stripe_subscription_id == stripe_id
    )
    return session.scalars(stmt).one_or_none()


def delete_subscriptions(session: Session, *, tenant_id: uuid.UUID) -> int:
    result = cast(
        "CursorResult[Any]",
        session.execute(delete(BillingSubscription).where(BillingSubscription.tenant_id == tenant_id)),
    )
    return int(result.rowcount or 0)


def invoice(session: Session, *, tenant_id: uuid.UUID, stripe_id: str) -> BillingInvoice | None:
    stmt = tenant_scoped(select(BillingInvoice), BillingInvoice, tenant_id).where(
        BillingInvoice.stripe_invoice_id == stripe_id
    )
    return session.scalars(stmt).one_or_none()


def invoices(session: Session, *, tenant_id: uuid.UUID) -> Sequence[BillingInvoice]:
    return session.scalars(tenant_scoped(select(BillingInvoice), BillingInvoice, tenant_id)).all()


def invoice_page(
    session: Session, *, tenant_id: uuid.UUID, restricted: bool, after: uuid.UUID | None, limit: int
) -> Sequence[BillingInvoice]:
    """Newest first; `after` is the last invoice of the previous page."""
    stmt = tenant_scoped(select(BillingInvoice), BillingInvoice, tenant_id).where(
        BillingInvoice.restricted_at.is_not(None) if restricted else BillingInvoice.restricted_at.is_(None)
    )
    if after is not None:
        last = session.scalars(
            tenant_scoped(select(BillingInvoice), BillingInvoice, tenant_id).where(BillingInvoice.id == after)
        ).one_or_none()
        if last is None:
            return []
        stmt = stmt.where(
            or_(
                BillingInvoice.issued_at < last.issued_at,
                and_(BillingInvoice.issued_at == last.issued_at, BillingInvoice.id < last.id),
            )
        )
    stmt = stmt.order_by(BillingInvoice.issued_at.desc(), BillingInvoice.id.desc()).limit(limit)
    return session.scalars(stmt).all()


def insert_event(session: Session, values: dict[str, Any]) -> bool:
    """Store an event once per Stripe event id; whether this call stored it (False: a duplicate).

    ON CONFLICT makes a concurrent delivery of the same event wait for the first and then
    find it stored, rather than fail.
    """
    session.execute(
        _insert(session, StripeEvent).values(**values).on_conflict_do_nothing(index_elements=["stripe_event_id"])
    )
    return session.get(StripeEvent, values["id"]) is not None


def delete_events(session: Session, *, tenant_id: uuid.UUID) -> int:
    """Delete a tenant's stored events that are done with (the retention sweep deletes the rest in time)."""
    stmt = delete(StripeEvent).where(StripeEvent.status != "received", StripeEvent.tenant_id == tenant_id)
    result = cast("CursorResult[Any]", session.execute(stmt))
    return int(result.rowcount or 0)


def event(session: Session, *, event_id: uuid.UUID) -> StripeEvent | None:
    return session.get(StripeEvent, event_id, populate_existing=True)


def tenants_with_contact(session: Session) -> Sequence[uuid.UUID]:
    """Every tenant with a billing contact: where a privacy request naming no business looks (ids only)."""
    return session.scalars(select(BillingContact.tenant_id).order_by(BillingContact.tenant_id)).all()
