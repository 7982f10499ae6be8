"""The local mirror of Stripe: subscriptions and invoice records, applied safely in any order.

A record fetched from Stripe just now (`current=True`) is the truth and always applies.
A record taken from an event's payload applies only if no newer event has been applied:
each row keeps the `created` time of the newest event applied to it.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from omniwise.billing import repository
from omniwise.billing.config import BillingConfig
from omniwise.billing.gateway import InvoiceRecord, StripeGateway, SubscriptionRecord
from omniwise.billing.models import (
    ENDED_STATUSES,
    AccountStatus,
    BillingAccount,
    BillingInvoice,
    BillingSubscription,
)
from omniwise.billing.retention import invoice_retention
from omniwise.kit.clock import utcnow
from omniwise.policy.model import Policy


def from_epoch(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def apply_subscription(
    session: Session,
    *,
    config: BillingConfig,
    account: BillingAccount,
    record: SubscriptionRecord,
    stamp: int,
    current: bool,
) -> BillingSubscription | None:
    """Mirror one subscription of the account's customer; None if it is not this customer's."""
    if record.customer_id != account.stripe_customer_id:
        return None
    row = repository.subscription(session, tenant_id=account.tenant_id, stripe_id=record.id)
    if row is None:
        row = BillingSubscription(
            id=uuid.uuid4(),
            tenant_id=account.tenant_id,
            stripe_subscription_id=record.id,
            stripe_customer_id=record.customer_id,
            stripe_event_created=0,
        )
        session.add(row)
    elif not current and stamp < row.stripe_event_created:
        return row
    row.price_id = record.price_id
    row.plan = config.plan_for_price(record.price_id)
    row.status = record.status
    row.current_period_start = from_epoch(record.current_period_start)
    row.current_period_end = from_epoch(record.current_period_end)
    row.cancel_at_period_end = record.cancel_at_period_end
    row.canceled_at = from_epoch(record.canceled_at)
    row.ended_at = from_epoch(record.ended_at)
    row.stripe_event_created = max(row.stripe_event_created or 0, stamp)
    session.flush()
    note_subscription_end(session, account=account)
    return row


def note_subscription_end(session: Session, *, account: BillingAccount) -> None:
    """Start (or stop) the clock of the billing details: when the last subscription ended, while none is live."""
    rows = repository.subscriptions(session, tenant_id=account.tenant_id)
    if not rows:
        return  # the ended ones were swept: the clock keeps the end they left
    if any(row.status not in ENDED_STATUSES for row in rows):
        account.subscription_ended_at = None
        return
    account.subscription_ended_at = max(row.ended_at or row.canceled_at or utcnow() for row in rows)


def restrict_invoice(row: BillingInvoice, *, policy: Policy, closed_at: datetime) -> None:
    """Keep an invoice record of a closed account only for the legal period, out of everyday reach.

    The hosted invoice link goes: the record keeps the figures the law asks for, and Stripe
    keeps the invoice itself, findable by its id.
    """
    kept = invoice_retention(policy, issued_at=row.issued_at, closed_at=closed_at)
    row.restricted_at = utcnow()
    row.restricted_reason = kept.reason
    row.delete_after = kept.delete_after
    row.hosted_invoice_url = None


def apply_invoice(
    session: Session,
    *,
    policy: Policy,
    account: BillingAccount,
    record: InvoiceRecord,
    stamp: int,
    current: bool,
) -> BillingInvoice | None:
    """Mirror one invoice of the account's customer; None if it is not this customer's."""
    if record.customer_id != account.stripe_customer_id:
        return None
    row = repository.invoice(session, tenant_id=account.tenant_id, stripe_id=record.id)
    if row is None:
        row = BillingInvoice(
            id=uuid.uuid4(),
            tenant_id=account.tenant_id,
            stripe_invoice_id=record.id,
            stripe_customer_id=record.customer_id,
            stripe_event_created=0,
        )
        session.add(row)
    elif not current and stamp < row.stripe_event_created:
        return row
    row.stripe_subscription_id = record.subscription_id
    row.number = record.number
    row.currency = record.currency
    row.amount_due = record.amount_due
    row.amount_paid = record.amount_paid
    row.total = record.total
    row.status = record.status
    issued_at = from_epoch(record.created)
    assert issued_at is not None
    row.issued_at = issued_at
    row.due_at = from_epoch(record.due_date)
    row.paid_at = from_epoch(record.paid_at)
    row.period_start = from_epoch(record.period_start)
    row.period_end = from_epoch(record.period_end)
    row.stripe_event_created = max(row.stripe_event_created or 0, stamp)
    if row.restricted_at is None:
        row.hosted_invoice_url = record.hosted_invoice_url
        if account.status == AccountStatus.CLOSED:
            # a late invoice of a closed account is a tax record like the others
            restrict_invoice(row, policy=policy, closed_at=account.closed_at or utcnow())
    session.flush()
    return row


def sync_customer(
    session: Session, gateway: StripeGateway, *, config: BillingConfig, policy: Policy, account: BillingAccount
) -> tuple[int, int]:
    """Fetch every live subscription and every invoice of the account's customer; (subscriptions, invoices)."""
    assert account.stripe_customer_id is not None
    now = int(time.time())
    subscriptions = gateway.list_subscriptions(customer_id=account.stripe_customer_id)
    for subscription in subscriptions:
        apply_subscription(session, config=config, account=account, record=subscription, stamp=now, current=True)
    invoices = gateway.list_invoices(customer_id=account.stripe_customer_id)
    for invoice in invoices:
        apply_invoice(session, policy=policy, account=account, record=invoice, stamp=now, current=True)
    return len(subscriptions), len(invoices)
