"""An in-memory Stripe behind the same interface: for tests, and to try billing with no Stripe account.

It keeps objects in the shapes of Stripe's current API and honours idempotency keys the
way Stripe documents (the same key replays the first answer; the same key with another
request is refused). It also does what Stripe does on its side, which no local Stripe fake
offers: completing a hosted Checkout page (`complete_checkout`), billing a period
(`add_invoice`) and moving a subscription between states (`set_subscription_status`).
"""

from __future__ import annotations

import copy
import hashlib
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from omniwise.billing.errors import StripeRejected
from omniwise.billing.gateway.records import (
    TENANT_METADATA_KEY,
    CustomerDetails,
    CustomerRecord,
    HostedSession,
    InvoiceRecord,
    SubscriptionRecord,
    parse_customer,
    parse_invoice,
    parse_subscription,
)

T = TypeVar("T")
PERIOD_SECONDS = 30 * 24 * 3600
HOSTED_BASE = "https://stripe.invalid"  # RFC 6761: a name that never resolves
ENDED = ("canceled", "incomplete_expired")
DEFAULT_AMOUNT = 1000


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def _missing(operation: str) -> StripeRejected:
    return StripeRejected(
        f"Stripe refused {operation} (HTTP 404, resource_missing)", http_status=404, code="resource_missing"
    )


class InMemoryStripeGateway:
    def __init__(self, *, prices: dict[str, int] | None = None, currency: str = "eur") -> None:
        # price id -> amount in minor units; None accepts any price, billed at DEFAULT_AMOUNT
        self.prices = prices
        self.currency = currency
        self.customers: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.invoices: dict[str, dict[str, Any]] = {}
        self.checkout_sessions: dict[str, dict[str, Any]] = {}
        self.portal_sessions: dict[str, dict[str, Any]] = {}
        self.idempotency_keys: list[str] = []
        self._replies: dict[str, tuple[str, Any]] = {}
        self._lock = threading.RLock()
        self._invoice_seq = 0

    def _once(self, key: str, request: dict[str, Any], make: Callable[[], T]) -> T:
        """Stripe's contract: a key replays its first answer, and may not be reused for another request."""
        fingerprint = hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()
        with self._lock:
            self.idempotency_keys.append(key)
            if key in self._replies:
                seen, reply = self._replies[key]
                if seen != fingerprint:
                    raise StripeRejected(
                        "Stripe refused a reused idempotency key (HTTP 400, idempotency_error)",
                        http_status=400,
                        code="idempotency_error",
                    )
                replayed: T = copy.deepcopy(reply)
                return replayed
            reply = make()
            self._replies[key] = (fingerprint, copy.deepcopy(reply))
            return reply

    def _live_customer(self, customer_id: str, operation: str) -> dict[str, Any]:
        customer = self.customers.get(customer_id)
        if customer is None or customer.get("deleted"):
            raise _missing(operation)
        return customer

    # the interface

    def create_customer(self, *, tenant_id: uuid.UUID, idempotency_key: str) -> str:
        def make() -> str:
            customer_id = _new_id("cus")
            self.customers[customer_id] = {
                "id": customer_id,
                "object": "customer",
                "created": int(time.time()),
                "metadata": {TENANT_METADATA_KEY: str(tenant_id)},
                "name": None,
                "email": None,
                "address": None,
            }
            return customer_id

        return self._once(idempotency_key, {"op": "customer.create", "tenant": str(tenant_id)}, make)

    def get_customer(self, customer_id: str) -> CustomerRecord | None:
        with self._lock:
            customer = self.customers.get(customer_id)
            return None if customer is None else parse_customer(copy.deepcopy(customer))

    def update_customer_details(self, *, customer_id: str, details: CustomerDetails, idempotency_key: str) -> None:
        request = {"op": "customer.update", "id": customer_id, "details": repr(details)}

        def make() -> None:
            customer = self._live_customer(customer_id, "customer update")
            customer["name"] = details.name
            customer["email"] = details.email
            customer["address"] = details.address.to_stripe() if details.address else None

        self._once(idempotency_key, request, make)

    def delete_customer(self, *, customer_id: str, idempotency_key: str) -> bool:
        def make() -> bool:
            customer = self.customers.get(customer_id)
            if customer is None or customer.get("deleted"):
                return False
            # Stripe keeps a deleted customer as a stub with no details, and ends its subscriptions
            self.customers[customer_id] = {"id": customer_id, "object": "customer", "deleted": True}
            for sub in self.subscriptions.values():
                if sub["customer"] == customer_id and sub["status"] not in ENDED:
                    self._end(sub)
            return True

        return self._once(idempotency_key, {"op": "customer.delete", "id": customer_id}, make)

    def create_checkout_session(
        self,
        *,
        customer_id: str,
        price_id: str,
        tenant_id: uuid.UUID,
        success_url: str,
        cancel_url: str,
        idempotency_key: str,
    ) -> HostedSession:
        request = {
            "op": "checkout.create",
            "customer": customer_id,
            "price": price_id,
            "tenant": str(tenant_id),
            "success": success_url,
            "cancel": cancel_url,
        }

        def make() -> dict[str, str]:
            self._live_customer(customer_id, "checkout session creation")
            if self.prices is not None and price_id not in self.prices:
                raise StripeRejected(
                    "Stripe refused checkout session creation (HTTP 400, resource_missing)",
                    http_status=400,
                    code="resource_missing",
                )
            session_id = _new_id("cs_test")
            self.checkout_sessions[session_id] = {
                "id": session_id,
                "object": "checkout.session",
                "created": int(time.time()),
                "mode": "subscription",
                "customer": customer_id,
                "client_reference_id": str(tenant_id),
                "metadata": {TENANT_METADATA_KEY: str(tenant_id)},
                "price": price_id,
                "status": "open",
                "payment_status": "unpaid",
                "subscription": None,
                "success_url": success_url,
                "cancel_url": cancel_url,
                "url": f"{HOSTED_BASE}/checkout/{session_id}",
            }
            return {"id": session_id, "url": self.checkout_sessions[session_id]["url"]}

        reply = self._once(idempotency_key, request, make)
        return HostedSession(id=reply["id"], url=reply["url"])

    def create_portal_session(self, *, customer_id: str, return_url: str, idempotency_key: str) -> HostedSession:
        def make() -> dict[str, str]:
            self._live_customer(customer_id, "portal session creation")
            session_id = _new_id("bps")
            self.portal_sessions[session_id] = {"id": session_id, "customer": customer_id, "return_url": return_url}
            return {"id": session_id, "url": f"{HOSTED_BASE}/portal/{session_id}"}

        request = {"op": "portal.create", "customer": customer_id, "return": return_url}
        reply = self._once(idempotency_key, request, make)
        return HostedSession(id=reply["id"], url=reply["url"])

    def get_subscription(self, subscription_id: str) -> SubscriptionRecord | None:
        with self._lock:
            sub = self.subscriptions.get(subscription_id)
            return None if sub is None else parse_subscription(copy.deepcopy(sub))

    def list_subscriptions(self, *, customer_id: str) -> list[SubscriptionRecord]:
        with self._lock:
            return [
                parse_subscription(copy.deepcopy(s))
                for s in self.subscriptions.values()
                if s["customer"] == customer_id and s["status"] not in ENDED
            ]

    def cancel_subscription(self, *, subscription_id: str, idempotency_key: str) -> SubscriptionRecord:
        def make() -> dict[str, Any]:
            sub = self.subscriptions.get(subscription_id)
            if sub is None:
                raise _missing("subscription cancellation")
            if sub["status"] in ENDED:
                raise StripeRejected(
                    "Stripe refused subscription cancellation (HTTP 400, subscription_canceled)",
                    http_status=400,
                    code="subscription_canceled",
                )
            self._end(sub)
            return copy.deepcopy(sub)

        request = {"op": "subscription.cancel", "id": subscription_id}
        return parse_subscription(self._once(idempotency_key, request, make))

    def get_invoice(self, invoice_id: str) -> InvoiceRecord | None:
        with self._lock:
            invoice = self.invoices.get(invoice_id)
            return None if invoice is None else parse_invoice(copy.deepcopy(invoice))

    def list_invoices(self, *, customer_id: str) -> list[InvoiceRecord]:
        with self._lock:
            customer = self.customers.get(customer_id)
            if customer is None or customer.get("deleted"):
                return []
            return [parse_invoice(copy.deepcopy(i)) for i in self.invoices.values() if i["customer"] == customer_id]

    # what Stripe does on its side: hosted pages, billing periods, payment outcomes

    def complete_checkout(self, session_id: str, *, status: str = "active") -> dict[str, Any]:
        """The tenant paid on the hosted page: Stripe makes the subscription and its first invoice.

        Returns the completed session object, as a `checkout.session.completed` event carries it.
        """
        with self._lock:
            session = self.checkout_sessions[session_id]
            if session["status"] == "complete":
                return copy.deepcopy(session)
            now = int(time.time())
            sub_id = _new_id("sub")
            self.subscriptions[sub_id] = {
                "id": sub_id,
                "object": "subscription",
                "created": now,
                "customer": session["customer"],
                "status": status,
                "cancel_at_period_end": False,
                "canceled_at": None,
                "ended_at": None,
                "metadata": dict(session["metadata"]),
                "items": {
                    "object": "list",
                    "data": [
                        {
                            "id": _new_id("si"),
                            "object": "subscription_item",
                            "price": {"id": session["price"], "object": "price"},
                            "current_period_start": now,
                            "current_period_end": now + PERIOD_SECONDS,
                        }
                    ],
                },
            }
            if status != "trialing":
                self.add_invoice(sub_id, paid=status == "active")
            session.update(status="complete", payment_status="paid", subscription=sub_id)
            return copy.deepcopy(session)

    def add_invoice(self, subscription_id: str, *, paid: bool) -> str:
        """Bill one period of a subscription, as Stripe would; the invoice's id."""
        with self._lock:
            sub = self.subscriptions[subscription_id]
            item = sub["items"]["data"][0]
            amount = DEFAULT_AMOUNT if self.prices is None else self.prices.get(item["price"]["id"], DEFAULT_AMOUNT)
            self._invoice_seq += 1
            now = int(time.time())
            invoice_id = _new_id("in")
            customer = self.customers.get(sub["customer"]) or {}
            self.invoices[invoice_id] = {
                "id": invoice_id,
                "object": "invoice",
                "created": now,
                "customer": sub["customer"],
                # Stripe copies the customer's details onto the invoice; the mirror never keeps them
                "customer_email": customer.get("email"),
                "customer_name": customer.get("name"),
                "number": f"OMNI-{self._invoice_seq:04d}",
                "currency": self.currency,
                "amount_due": amount,
                "amount_paid": amount if paid else 0,
                "total": amount,
                "status": "paid" if paid else "open",
                "due_date": None,
                "status_transitions": {"finalized_at": now, "paid_at": now if paid else None},
                "period_start": item["current_period_start"],
                "period_end": item["current_period_end"],
                "hosted_invoice_url": f"{HOSTED_BASE}/invoice/{invoice_id}",
                "parent": {"type": "subscription_details", "subscription_details": {"subscription": subscription_id}},
            }
            return invoice_id

    def set_subscription_status(self, subscription_id: str, status: str) -> dict[str, Any]:
        """Move a subscription to `status` (a failed renewal makes it past_due, say); the object."""
        with self._lock:
            sub = self.subscriptions[subscription_id]
            if status in ENDED:
                self._end(sub)
            sub["status"] = status
            return copy.deepcopy(sub)

    def _end(self, sub: dict[str, Any]) -> None:
        now = int(time.time())
        sub.update(status="canceled", canceled_at=now, ended_at=now)
