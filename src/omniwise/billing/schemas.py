"""Request and response bodies for billing: details, subscription, hosted pages, invoices, closing."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from omniwise.contacts.schemas import Email, Name

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
PostalCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]


def _country(value: str) -> str:
    """An ISO 3166-1 alpha-2 code, as Stripe takes it; the message says what to type, not a pattern."""
    code = value.strip().upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise ValueError("a two-letter country code, such as GB or DE")
    return code


Country = Annotated[
    str,
    AfterValidator(_country),
    WithJsonSchema({"type": "string", "pattern": "^[A-Za-z]{2}$", "description": "ISO 3166-1 alpha-2 code"}),
]
PlanId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Reference = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:/-]{1,100}$")]


class Address(BaseModel):
    """A postal address in Stripe's shape; `country` is an ISO 3166-1 alpha-2 code."""

    model_config = ConfigDict(extra="forbid")

    line1: Line
    line2: Line | None = None
    city: Line | None = None
    postal_code: PostalCode | None = None
    state: Line | None = None
    country: Country


class BillingDetailsUpdate(BaseModel):
    """A correction: fields left out stay as they are; a field sent as null is removed."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    email: Email | None = None
    address: Address | None = None


class BillingDetailsRead(BaseModel):
    name: str | None
    email: str | None
    address: Address | None


class SubscriptionRead(BaseModel):
    stripe_subscription_id: str
    plan: str | None
    status: str
    current_period_start: datetime | None
    current_period_end: datetime | None
    cancel_at_period_end: bool
    canceled_at: datetime | None
    ended_at: datetime | None


class BillingRead(BaseModel):
    tenant_id: uuid.UUID
    account_status: Literal["none", "active", "closed"]
    stripe_customer_id: str | None
    details: BillingDetailsRead | None
    details_synced: bool = Field(description="whether Stripe has the latest correction of the billing details")
    subscription: SubscriptionRead | None


class CheckoutCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plan: PlanId = Field(description="a plan of OMNIWISE_STRIPE_PRICES")


class HostedSessionRead(BaseModel):
    """A Stripe-hosted page to send the tenant's admin to; card data is entered there, never here."""

    id: str
    url: str


class InvoiceRead(BaseModel):
    id: uuid.UUID
    stripe_invoice_id: str
    number: str | None
    currency: str
    amount_due: int
    amount_paid: int
    total: int
    status: str | None
    issued_at: datetime
    due_at: datetime | None
    paid_at: datetime | None
    period_start: datetime | None
    period_end: datetime | None
    hosted_invoice_url: str | None


class InvoiceList(BaseModel):
    items: list[InvoiceRead]
    next_cursor: str | None


class RestrictedInvoiceRead(InvoiceRead):
    restricted_at: datetime
    restricted_reason: str
    delete_after: datetime


class RestrictedInvoiceList(BaseModel):
    items: list[RestrictedInvoiceRead]
    next_cursor: str | None


class RestrictedReadReason(StrEnum):
    """Why a privacy officer reads invoice records kept only because the law requires them."""

    TAX_AUDIT = "tax_audit"
    ACCOUNTING = "accounting"
    LEGAL_CLAIM = "legal_claim"
    AUTHORITY_REQUEST = "authority_request"


class CloseReport(BaseModel):
    tenant_id: uuid.UUID
    closed_at: datetime
    subscriptions_canceled: int
    customer_deleted: bool
    details_erased: bool
    invoices_restricted: int
    delete_after_earliest: datetime | None
    delete_after_latest: datetime | None


class EntitlementsRead(BaseModel):
    tenant_id: uuid.UUID
    plan: str | None
    status: str | None
    features: dict[str, bool]


class WebhookAck(BaseModel):
    received: bool
    duplicate: bool
