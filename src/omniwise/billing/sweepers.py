"""Retention of billing details: the one place billing records are deleted when the policy's period ends.

- `billing_details` (counted from `subscription_ended`, kept on the account as
  `subscription_ended_at` while no subscription is live): the billing contact is erased
  (key destroyed, row deleted), the Stripe customer that holds the same details is deleted
  at Stripe by a job, and each ended subscription's mirror row goes a period after it ended.
- its `tax_records` exception: invoice records, restricted or not, once the financial year
  they belong to ended the exception's period ago.
- its `stripe_events` exception: stored webhook events, a period after they arrived.

`omniwise retention run --category billing_details` runs exactly these; the daily
`retention.sweep` job runs them with every other rule.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, func, select, update

from omniwise.audit import AuditEntry, record
from omniwise.billing.models import (
    ENDED_STATUSES,
    BillingAccount,
    BillingContact,
    BillingInvoice,
    BillingSubscription,
    StripeEvent,
)
from omniwise.billing.retention import CATEGORY, EXCEPTION, years_ended_before
from omniwise.policy.model import Trigger
from omniwise.policy.purposes import Purpose
from omniwise.retention.registry import (
    Column,
    Expiry,
    SweepBatch,
    Sweeper,
    batch_keys,
    declare_nothing_stored,
    delete_rows,
    older_than,
    register_sweeper,
)
from omniwise.subjects.service import erase_subjects
from omniwise.worker import enqueue

STRIPE_EVENTS = "stripe_events"
DELETE_CUSTOMER_JOB = "billing.delete_customer"


def _subscription_ended_before(tenant: Column) -> Expiry:
    """Rows of tenants whose last subscription ended before the cutoff, with none live since."""

    def expiry(cutoff: datetime) -> ColumnElement[bool]:
        ended = select(BillingAccount.tenant_id).where(
            BillingAccount.subscription_ended_at.is_not(None), BillingAccount.subscription_ended_at < cutoff
        )
        return tenant.in_(ended)

    return expiry


def _erase_contacts(batch: SweepBatch) -> int:
    report = erase_subjects(
        batch.session,
        batch.runtime.keyring,
        subject_ids=batch_keys(batch, BillingContact.subject_id),
        actor=batch.actor,
        purpose=Purpose.LEGAL_COMPLIANCE.value,
        reason="retention",
    )
    return report.rows_deleted.get(BillingContact.__tablename__, 0)


def _forget_customers(batch: SweepBatch) -> int:
    """Cut each account's link to its Stripe customer now, and delete the customer at Stripe in a job.

    The job is queued in the batch's transaction, so it exists exactly when the link is gone;
    a new checkout later makes a new customer.
    """
    rows = batch.session.execute(
        select(BillingAccount.tenant_id, BillingAccount.stripe_customer_id).where(batch.rows)
    ).all()
    for tenant_id, customer_id in rows:
        enqueue(
            batch.session,
            DELETE_CUSTOMER_JOB,
            args={"tenant_id": tenant_id, "customer_id": customer_id},
            key=f"{DELETE_CUSTOMER_JOB}:{customer_id}",
            tenant_id=tenant_id,
        )
    result = batch.session.execute(
        update(BillingAccount).where(batch.rows).values(stripe_customer_id=None, customer_deleted_at=batch.now)
    )
    return int(cast("CursorResult[Any]", result).rowcount)


def _subscription_end() -> ColumnElement[Any]:
    s = BillingSubscription
    return func.coalesce(s.ended_at, s.canceled_at, s.modified_at, s.created_at)


def _subscriptions_ended_before(cutoff: datetime) -> ColumnElement[bool]:
    return BillingSubscription.status.in_(ENDED_STATUSES) & (_subscription_end() < cutoff)


def _delete_invoices(batch: SweepBatch) -> int:
    """Delete the batch's invoice records; each tenant's audit trail says how many went."""
    per_tenant = Counter(
        {
            tenant_id: int(count)
            for tenant_id, count in batch.session.execute(
                select(BillingInvoice.tenant_id, func.count()).where(batch.rows).group_by(BillingInvoice.tenant_id)
            )
        }
    )
    deleted = delete_rows(batch)
    for tenant_id, count in sorted(per_tenant.items(), key=lambda item: str(item[0])):
        record(
            batch.session,
            AuditEntry(
                name="billing:invoices:purged",
                actor_type=batch.actor.kind,
                actor_id=batch.actor.id,
                tenant_id=tenant_id,
                purpose=Purpose.LEGAL_COMPLIANCE.value,
                object_type="tenant",
                object_id=str(tenant_id),
                details={"count": count, "retention_run": str(batch.run_id)},
            ),
        )
    return deleted


register_sweeper(
    Sweeper(
        name="billing.contacts",
        category=CATEGORY,
        table=BillingContact.__table__,  # type: ignore[arg-type]
        key=BillingContact.id,
        triggers={Trigger.SUBSCRIPTION_ENDED: _subscription_ended_before(BillingContact.tenant_id)},
        delete=_erase_contacts,
        tenant_column=BillingContact.tenant_id,
        subject_column=BillingContact.subject_id,
        describe="billing name, email and address: the billing contact's key destroyed and their row deleted",
    )
)

register_sweeper(
    Sweeper(
        name="billing.customers",
        category=CATEGORY,
        table=BillingAccount.__table__,  # type: ignore[arg-type]
        key=BillingAccount.id,
        triggers={Trigger.SUBSCRIPTION_ENDED: _subscription_ended_before(BillingAccount.tenant_id)},
        pending=BillingAccount.stripe_customer_id.is_not(None) & BillingAccount.customer_deleted_at.is_(None),
        delete=_forget_customers,
        tenant_column=BillingAccount.tenant_id,
        describe="Stripe customers (which hold the same details): unlinked now, deleted at Stripe by a job",
    )
)

register_sweeper(
    Sweeper(
        name="billing.subscriptions",
        category=CATEGORY,
        table=BillingSubscription.__table__,  # type: ignore[arg-type]
        key=BillingSubscription.id,
        triggers={Trigger.SUBSCRIPTION_ENDED: _subscriptions_ended_before},
        delete=delete_rows,
        tenant_column=BillingSubscription.tenant_id,
        describe="ended subscriptions: plan, status and periods, each a period after it ended",
    )
)

register_sweeper(
    Sweeper(
        name="billing.invoices",
        category=CATEGORY,
        exception=EXCEPTION,
        table=BillingInvoice.__table__,  # type: ignore[arg-type]
        key=BillingInvoice.id,
        triggers={
            Trigger.FINANCIAL_YEAR_END: lambda cutoff: BillingInvoice.issued_at < years_ended_before(cutoff),
            Trigger.COLLECTED: older_than(BillingInvoice.issued_at),
        },
        delete=_delete_invoices,
        tenant_column=BillingInvoice.tenant_id,
        describe="invoice records, restricted ones of closed accounts included, at the end of their legal period",
    )
)

register_sweeper(
    Sweeper(
        name="billing.stripe_events",
        category=CATEGORY,
        exception=STRIPE_EVENTS,
        table=StripeEvent.__table__,  # type: ignore[arg-type]
        key=StripeEvent.id,
        triggers={Trigger.COLLECTED: older_than(StripeEvent.received_at)},
        delete=delete_rows,
        tenant_column=StripeEvent.tenant_id,
        describe="Stripe webhook events stored on receipt, applied or not",
    )
)

declare_nothing_stored(
    "business_details",
    exception="tax_records",
    reason=(
        "no invoice record here holds the business's name or address (Stripe keeps the invoices themselves); "
        "the business's own details go a year after closing (tenants.business_details)"
    ),
)
