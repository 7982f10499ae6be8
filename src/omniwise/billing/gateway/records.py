"""Typed, allow-listed views of Stripe objects: what the platform reads from Stripe, and nothing else.

Every Stripe object the platform handles (an API answer or a webhook payload) passes
through one of these parsers. A parser copies only the fields it names, so the names,
emails, addresses and card details in Stripe's objects never reach the database.
Both Stripe API generations are read: the current one (periods on subscription items,
prices, invoice `parent`) and the older one localstripe speaks (periods on the
subscription, plans, invoice `subscription`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

TENANT_METADATA_KEY = "omniwise_tenant_id"


@dataclass(frozen=True)
class Address:
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    postal_code: str | None = None
    state: str | None = None
    country: str | None = None

    def to_stripe(self) -> dict[str, str]:
        # Stripe clears a field sent as "", which is what a correction that removes it means
        return {key: value or "" for key, value in asdict(self).items()}


@dataclass(frozen=True)
class CustomerDetails:
    """Personal data: it leaves the platform only through `billing.details.push_billing_details`."""

    name: str | None
    email: str | None
    address: Address | None


@dataclass(frozen=True)
class HostedSession:
    """A Stripe-hosted page (Checkout or the Customer Portal) the tenant is sent to."""

    id: str
    url: str


@dataclass(frozen=True)
class CustomerRecord:
    id: str
    deleted: bool
    tenant_ref: str | None


@dataclass(frozen=True)
class SubscriptionRecord:
    id: str
    customer_id: str
    status: str
    price_id: str | None
    current_period_start: int | None
    current_period_end: int | None
    cancel_at_period_end: bool
    canceled_at: int | None
    ended_at: int | None
    created: int | None
    tenant_ref: str | None


@dataclass(frozen=True)
class InvoiceRecord:
    id: str
    customer_id: str
    subscription_id: str | None
    number: str | None
    currency: str
    amount_due: int
    amount_paid: int
    total: int
    status: str | None
    created: int
    due_date: int | None
    paid_at: int | None
    period_start: int | None
    period_end: int | None
    hosted_invoice_url: str | None


@dataclass(frozen=True)
class CheckoutSessionRecord:
    id: str
    customer_id: str | None
    subscription_id: str | None
    client_reference_id: str | None
    mode: str | None
    status: str | None
    payment_status: str | None
    tenant_ref: str | None


Record = CustomerRecord | SubscriptionRecord | InvoiceRecord | CheckoutSessionRecord


class MalformedObject(ValueError):
    """A Stripe object lacks a field the platform needs, or has it in the wrong type."""


def _id_of(value: Any) -> str | None:
    """An id, whether Stripe sent it bare or as an expanded object."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def _required_id(obj: dict[str, Any], field: str) -> str:
    value = _id_of(obj.get(field))
    if not value:
        raise MalformedObject(f"{field}: missing")
    return value


def _int(obj: dict[str, Any] | None, field: str) -> int | None:
    if not obj:
        return None
    value = obj.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedObject(f"{field}: not an integer")
    return value


def _str(obj: dict[str, Any] | None, field: str, *, max_length: int = 2000) -> str | None:
    if not obj:
        return None
    value = obj.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedObject(f"{field}: not a string")
    return value[:max_length]


def _tenant_ref(obj: dict[str, Any]) -> str | None:
    metadata = obj.get("metadata")
    if isinstance(metadata, dict):
        value = metadata.get(TENANT_METADATA_KEY)
        return value if isinstance(value, str) else None
    return None


def _first_item(obj: dict[str, Any]) -> dict[str, Any] | None:
    items = obj.get("items")
    if isinstance(items, dict) and isinstance(items.get("data"), list) and items["data"]:
        first = items["data"][0]
        return first if isinstance(first, dict) else None
    return None


def parse_customer(obj: dict[str, Any]) -> CustomerRecord:
    return CustomerRecord(id=_required_id(obj, "id"), deleted=bool(obj.get("deleted")), tenant_ref=_tenant_ref(obj))


def parse_subscription(obj: dict[str, Any]) -> SubscriptionRecord:
    item = _first_item(obj)
    price = _id_of(item.get("price")) if item else None
    if price is None:
        price = _id_of(item.get("plan")) if item else _id_of(obj.get("plan"))
    start = _int(obj, "current_period_start")
    end = _int(obj, "current_period_end")
    if start is None and item is not None:
        start, end = _int(item, "current_period_start"), _int(item, "current_period_end")
    status = _str(obj, "status", max_length=32)
    if status is None:
        raise MalformedObject("status: missing")
    return SubscriptionRecord(
        id=_required_id(obj, "id"),
        customer_id=_required_id(obj, "customer"),
        status=status,
        price_id=price,
        current_period_start=start,
        current_period_end=end,
        cancel_at_period_end=bool(obj.get("cancel_at_period_end")),
        canceled_at=_int(obj, "canceled_at"),
        ended_at=_int(obj, "ended_at"),
        created=_int(obj, "created"),
        tenant_ref=_tenant_ref(obj),
    )


def _invoice_subscription(obj: dict[str, Any]) -> str | None:
    parent = obj.get("parent")
    if isinstance(parent, dict) and isinstance(parent.get("subscription_details"), dict):
        found = _id_of(parent["subscription_details"].get("subscription"))
        if found:
            return found
    return _id_of(obj.get("subscription"))


def parse_invoice(obj: dict[str, Any]) -> InvoiceRecord:
    transitions = obj.get("status_transitions") if isinstance(obj.get("status_transitions"), dict) else None
    created = _int(obj, "created") or _int(obj, "date")
    if created is None:
        raise MalformedObject("created: missing")
    currency = _str(obj, "currency", max_length=3)
    if currency is None:
        raise MalformedObject("currency: missing")
    return InvoiceRecord(
        id=_required_id(obj, "id"),
        customer_id=_required_id(obj, "customer"),
        subscription_id=_invoice_subscription(obj),
        number=_str(obj, "number", max_length=64),
        currency=currency.lower(),
        amount_due=_int(obj, "amount_due") or 0,
        amount_paid=_int(obj, "amount_paid") or 0,
        total=_int(obj, "total") or 0,
        status=_str(obj, "status", max_length=32),
        created=created,
        due_date=_int(obj, "due_date"),
        paid_at=_int(transitions, "paid_at"),
        period_start=_int(obj, "period_start"),
        period_end=_int(obj, "period_end"),
        hosted_invoice_url=_str(obj, "hosted_invoice_url"),
    )


def parse_checkout_session(obj: dict[str, Any]) -> CheckoutSessionRecord:
    return CheckoutSessionRecord(
        id=_required_id(obj, "id"),
        customer_id=_id_of(obj.get("customer")),
        subscription_id=_id_of(obj.get("subscription")),
        client_reference_id=_str(obj, "client_reference_id", max_length=200),
        mode=_str(obj, "mode", max_length=32),
        status=_str(obj, "status", max_length=32),
        payment_status=_str(obj, "payment_status", max_length=32),
        tenant_ref=_tenant_ref(obj),
    )


PARSERS: dict[str, Callable[[dict[str, Any]], Record]] = {
    "customer": parse_customer,
    "subscription": parse_subscription,
    "invoice": parse_invoice,
    "checkout.session": parse_checkout_session,
}


def parse_object(obj: dict[str, Any]) -> Record | None:
    """The allow-listed record of a Stripe object, or None for a kind the platform does not mirror."""
    parser = PARSERS.get(str(obj.get("object")))
    return None if parser is None else parser(obj)


def record_to_data(record: Record) -> dict[str, Any]:
    return asdict(record)


RECORD_TYPES: dict[str, Callable[..., Record]] = {
    "customer": CustomerRecord,
    "subscription": SubscriptionRecord,
    "invoice": InvoiceRecord,
    "checkout.session": CheckoutSessionRecord,
}


def record_from_data(object_type: str, data: dict[str, Any]) -> Record | None:
    """The record a stored event holds, or None for a kind the platform does not mirror."""
    kind = RECORD_TYPES.get(object_type)
    if kind is None:
        return None
    return kind(**{key: value for key, value in data.items() if key != "object"})
