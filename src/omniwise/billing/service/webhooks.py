"""Stripe webhooks: verified, reduced to what is needed, stored once per event id, then processed in a job.

Intake answers within the request: it verifies the signature (`stripe.Webhook.construct_event`),
keeps the event's envelope and the allow-listed fields of its object (so names, emails,
addresses and card details such as `payment_method_details`, `card` or `source` never
reach the database), stores it under a unique event id and queues its processing. A
duplicate delivery finds the event stored and queues nothing.

Processing is safe in any order: it fetches the subscription or invoice from Stripe as it
is now, so an old event processed late cannot bring back an old state; when Stripe no
longer knows the object, the event's own copy applies only if no newer event has been.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from omniwise.billing import repository
from omniwise.billing.config import BillingConfig
from omniwise.billing.errors import BillingNotConfigured
from omniwise.billing.gateway import StripeGateway
from omniwise.billing.gateway.records import (
    CheckoutSessionRecord,
    CustomerRecord,
    InvoiceRecord,
    MalformedObject,
    Record,
    SubscriptionRecord,
    parse_object,
    record_from_data,
    record_to_data,
)
from omniwise.billing.models import AccountStatus, BillingAccount, EventStatus, StripeEvent
from omniwise.billing.schemas import WebhookAck
from omniwise.billing.service.mirror import apply_invoice, apply_subscription, from_epoch, sync_customer
from omniwise.errors import BadRequest
from omniwise.kit.clock import utcnow
from omniwise.policy.binding import policy_for
from omniwise.worker import enqueue

PROCESS_JOB = "billing.process_event"
ENVELOPE = ("id", "object", "type", "created", "api_version", "livemode")
HANDLED_PREFIXES = ("customer.subscription.", "invoice.")
HANDLED_TYPES = frozenset(
    {"checkout.session.completed", "checkout.session.async_payment_succeeded", "customer.deleted"}
)
NOT_CONFIGURED = (
    "billing webhooks are not configured: set OMNIWISE_STRIPE_WEBHOOK_SECRET to the signing secret of this endpoint"
)


def handles(event_type: str) -> bool:
    return event_type in HANDLED_TYPES or event_type.startswith(HANDLED_PREFIXES)


def reduce_event(event: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The event as stored: its envelope and its object's allow-listed fields; and a problem, if any.

    An allow-list, not a deny-list: a field Stripe adds tomorrow (card details included)
    is left out until a parser names it.
    """
    obj = event["data"]["object"]
    kind = obj.get("object") if isinstance(obj.get("object"), str) else None
    problem = None
    try:
        parsed = parse_object(obj)
    except MalformedObject as exc:
        parsed, problem = None, f"{kind} object unreadable: {exc}"
    kept: dict[str, Any] = {"object": kind}
    if parsed is not None:
        kept.update(record_to_data(parsed))
        if "hosted_invoice_url" in kept:
            # a bearer link to a page that shows the billing name and address: the invoice
            # record has it while the account is open, the event log never needs it
            kept["hosted_invoice_url"] = None
    elif isinstance(obj.get("id"), str):
        kept["id"] = obj["id"][:255]
    return {**{key: event.get(key) for key in ENVELOPE}, "data": {"object": kept}}, problem


def _envelope_problem(event: Any) -> str | None:
    if not isinstance(event, dict):
        return "not a JSON object"
    checks: list[tuple[str, bool]] = [
        ("id", isinstance(event.get("id"), str) and 0 < len(event["id"]) <= 255),
        ("type", isinstance(event.get("type"), str) and 0 < len(event["type"]) <= 120),
        ("created", isinstance(event.get("created"), int) and not isinstance(event.get("created"), bool)),
        ("data.object", isinstance(event.get("data"), dict) and isinstance(event["data"].get("object"), dict)),
    ]
    missing = [name for name, ok in checks if not ok]
    return f"field {', '.join(missing)} missing or of the wrong type" if missing else None


def receive_event(session: Session, *, config: BillingConfig, payload: bytes, signature: str | None) -> WebhookAck:
    """Verify and store one delivery; queue its processing unless it was delivered before."""
    if not config.webhook_secret:
        raise BillingNotConfigured(NOT_CONFIGURED)
    import stripe  # slow to import: loaded by the first delivery, not by every process

    try:
        stripe.Webhook.construct_event(
            payload, signature or "", config.webhook_secret, tolerance=config.webhook_tolerance_seconds
        )
    except stripe.SignatureVerificationError:
        raise BadRequest(
            "Stripe-Signature: missing, not a signature of this body by the endpoint's secret, "
            f"or older than {config.webhook_tolerance_seconds} seconds"
        ) from None
    except (ValueError, TypeError, AttributeError, KeyError):
        raise BadRequest("body: not a Stripe event (not JSON, or not an event object)") from None
    event = json.loads(payload)
    problem = _envelope_problem(event)
    if problem is not None:
        raise BadRequest(f"body: not a Stripe event ({problem})")
    reduced, unreadable = reduce_event(event)
    kept = reduced["data"]["object"]
    handled = handles(event["type"]) and unreadable is None and kept["object"] is not None
    row_id = uuid.uuid4()
    stored = repository.insert_event(
        session,
        {
            "id": row_id,
            "stripe_event_id": event["id"],
            "type": event["type"],
            "stripe_created": event["created"],
            "api_version": str(event.get("api_version") or "")[:64] or None,
            "livemode": bool(event.get("livemode")),
            "object_type": kept["object"],
            "object_id": kept.get("id"),
            "payload": reduced,
            "status": EventStatus.RECEIVED if handled else EventStatus.IGNORED,
            "outcome": None if handled else unreadable or "not an event the platform mirrors",
            "received_at": utcnow(),
            "processed_at": None if handled else utcnow(),
        },
    )
    if stored and handled:
        enqueue(session, PROCESS_JOB, args={"event_id": row_id}, key=f"{PROCESS_JOB}:{event['id']}")
    return WebhookAck(received=True, duplicate=not stored)


def _customer_of(record: Record) -> str | None:
    if isinstance(record, CustomerRecord):
        return record.id
    return record.customer_id


def process_event(
    session: Session, gateway: Callable[[], StripeGateway], *, config: BillingConfig, event_id: uuid.UUID
) -> str | None:
    """Apply one stored event to the mirror; its outcome, or None if it was already processed."""
    row = repository.event(session, event_id=event_id)
    if row is None or row.status != EventStatus.RECEIVED:
        return None
    data = dict(row.payload["data"]["object"])
    record = record_from_data(str(data.pop("object")), data)
    outcome = "not an event the platform mirrors"
    customer_id = _customer_of(record) if record is not None else None
    found = repository.account_by_customer(session, customer_id=customer_id) if customer_id else None
    account = repository.account(session, tenant_id=found.tenant_id, for_update=True) if found else None
    if record is not None and account is None:
        outcome = "customer unknown to the platform"
    elif record is not None and account is not None:
        outcome = _apply(session, gateway, config=config, event=row, account=account, record=record)
    status = EventStatus.PROCESSED if account is not None else EventStatus.IGNORED
    row.status = status
    row.outcome = outcome[:200]
    row.tenant_id = account.tenant_id if account is not None else None
    row.processed_at = utcnow()
    session.flush()
    return outcome


def _apply(
    session: Session,
    gateway: Callable[[], StripeGateway],
    *,
    config: BillingConfig,
    event: StripeEvent,
    account: BillingAccount,
    record: Record,
) -> str:
    now = int(time.time())
    if isinstance(record, CustomerRecord):
        if event.type == "customer.deleted" and account.customer_deleted_at is None:
            account.customer_deleted_at = from_epoch(event.stripe_created)
        return "customer deleted" if event.type == "customer.deleted" else "nothing to mirror"
    if isinstance(record, SubscriptionRecord):
        if account.status == AccountStatus.CLOSED:
            return "account closed; subscriptions are no longer mirrored"
        fetched = gateway().get_subscription(record.id)
        applied = apply_subscription(
            session,
            config=config,
            account=account,
            record=fetched or record,
            stamp=now if fetched else event.stripe_created,
            current=fetched is not None,
        )
        return f"subscription {applied.status}" if applied else "subscription of another customer"
    if isinstance(record, InvoiceRecord):
        fetched_invoice = gateway().get_invoice(record.id)
        invoice = apply_invoice(
            session,
            policy=policy_for(session),
            account=account,
            record=fetched_invoice or record,
            stamp=now if fetched_invoice else event.stripe_created,
            current=fetched_invoice is not None,
        )
        return f"invoice {invoice.status}" if invoice else "invoice of another customer"
    assert isinstance(record, CheckoutSessionRecord)
    if account.status == AccountStatus.CLOSED:
        return "account closed; checkout ignored"
    subscriptions, invoices = sync_customer(
        session, gateway(), config=config, policy=policy_for(session), account=account
    )
    return f"checkout completed; {subscriptions} subscription(s), {invoices} invoice(s) mirrored"
