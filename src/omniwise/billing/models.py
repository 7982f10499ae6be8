"""Billing tables: the tenant's Stripe account, its billing contact, and the mirror of Stripe's records.

No card number, CVC or bank account number has a column here: Stripe's hosted pages take
card data (PCI DSS SAQ A), and the webhook intake keeps only allow-listed fields of each
Stripe object (`billing.gateway.records`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from omniwise.kit.clock import utcnow
from omniwise.kit.db import Base, TimestampedMixin, UTCDateTime

# Stripe amounts are integers in minor units and times are Unix seconds; both outgrow 32 bits
Money = BigInteger().with_variant(Integer, "sqlite")
EpochSeconds = BigInteger().with_variant(Integer, "sqlite")


def personal(category: str) -> dict[str, object]:
    """Column info marking a personal field and the policy category it belongs to."""
    return {"personal": True, "category": category}


class AccountStatus:
    ACTIVE = "active"
    CLOSED = "closed"


# Stripe's statuses of a subscription that is over for good (it sets `ended_at` then); any
# other status may still bill or be revived
ENDED_STATUSES = frozenset({"canceled", "incomplete_expired"})


class BillingAccount(TimestampedMixin, Base):
    """One per tenant: the link to its Stripe customer. Ids and states only.

    The row outlives the closing of the account, so that a late Stripe event about the
    deleted customer still finds its tenant (and its invoices are kept restricted).
    """

    __tablename__ = "billing_accounts"
    __table_args__ = (CheckConstraint("status IN ('active', 'closed')", name="status"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), unique=True)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=AccountStatus.ACTIVE)
    customer_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    customer_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # when the last subscription ended, while none is live: the retention clock of the billing
    # details (policy trigger `subscription_ended`); kept here because ended subscriptions'
    # rows are themselves deleted a period after they end
    subscription_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class BillingContact(TimestampedMixin, Base):
    """The tenant's billing name, email and address, sealed under the billing contact's own key.

    `version` counts corrections; `pushed_version` is the one Stripe has, so a push job
    retried after a crash repeats the same idempotent request, and a stale one sends nothing.
    """

    __tablename__ = "billing_contacts"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), unique=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("data_subjects.id", ondelete="CASCADE"), index=True)
    name_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info=personal("contact_information"))
    email_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info=personal("contact_information"))
    address_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info=personal("billing_details"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    pushed_version: Mapped[int | None] = mapped_column(Integer)


class BillingSubscription(TimestampedMixin, Base):
    """The mirror of one Stripe subscription."""

    __tablename__ = "billing_subscriptions"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    stripe_subscription_id: Mapped[str] = mapped_column(String(255), unique=True)
    stripe_customer_id: Mapped[str] = mapped_column(String(255), index=True)
    plan: Mapped[str | None] = mapped_column(String(64))
    price_id: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32))
    current_period_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    current_period_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, default=False)
    canceled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Stripe `created` of the newest event applied: an older event's payload never overwrites newer state
    stripe_event_created: Mapped[int] = mapped_column(EpochSeconds, default=0)


class BillingInvoice(TimestampedMixin, Base):
    """An invoice record (a "transaction record" of the notice): ids, amounts, states and dates.

    The tenant column has no foreign key on purpose: tax law keeps invoice records longer
    than the account. After closing they are restricted (readable only by a privacy officer
    who states a reason) until `delete_after`, then deleted.
    """

    __tablename__ = "billing_invoices"

    tenant_id: Mapped[uuid.UUID] = mapped_column(index=True)
    stripe_invoice_id: Mapped[str] = mapped_column(String(255), unique=True)
    stripe_customer_id: Mapped[str] = mapped_column(String(255), index=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255))
    number: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    amount_due: Mapped[int] = mapped_column(Money)
    amount_paid: Mapped[int] = mapped_column(Money)
    total: Mapped[int] = mapped_column(Money)
    status: Mapped[str | None] = mapped_column(String(32))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    period_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hosted_invoice_url: Mapped[str | None] = mapped_column(String(2000))
    restricted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    restricted_reason: Mapped[str | None] = mapped_column(String(200))
    delete_after: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    stripe_event_created: Mapped[int] = mapped_column(EpochSeconds, default=0)


class EventStatus:
    RECEIVED = "received"
    PROCESSED = "processed"
    IGNORED = "ignored"


class StripeEvent(Base):
    """A verified Stripe webhook event, stored once per event id.

    `payload` is the event reduced to what processing needs: its envelope and the
    allow-listed fields of its object. Stripe's objects carry names, emails, addresses and
    card details (`payment_method_details`, `card`, `source`), none of which is kept.
    """

    __tablename__ = "billing_stripe_events"
    __table_args__ = (CheckConstraint("status IN ('received', 'processed', 'ignored')", name="status"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    stripe_event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(120))
    stripe_created: Mapped[int] = mapped_column(EpochSeconds)
    api_version: Mapped[str | None] = mapped_column(String(64))
    livemode: Mapped[bool] = mapped_column(Boolean, default=False)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(255), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=EventStatus.RECEIVED)
    outcome: Mapped[str | None] = mapped_column(String(200))
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
