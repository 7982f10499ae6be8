"""The Stripe gateway over the official `stripe` package: one `StripeClient` per gateway, no global state."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import stripe

from omniwise.billing.errors import StripeRejected, StripeUnavailable
from omniwise.billing.gateway.records import (
    TENANT_METADATA_KEY,
    CustomerDetails,
    CustomerRecord,
    HostedSession,
    InvoiceRecord,
    MalformedObject,
    SubscriptionRecord,
    parse_customer,
    parse_invoice,
    parse_subscription,
)

T = TypeVar("T")
# the client retries connection errors and 409s itself, with the same idempotency key
NETWORK_RETRIES = 2
PAGE_SIZE = 100

# Stripe's debug log prints request bodies, which hold billing names and addresses
logging.getLogger("stripe").setLevel(logging.WARNING)


def _as_dict(obj: Any) -> dict[str, Any]:
    result = obj.to_dict()
    assert isinstance(result, dict)
    return result


class StripeApiGateway:
    """Talks to Stripe (or, in tests, to localstripe at `api_base`)."""

    def __init__(self, api_key: str, *, api_base: str | None = None, timeout_seconds: float = 30.0) -> None:
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base.rstrip("/")} if api_base else {},
            max_network_retries=NETWORK_RETRIES,
            # requests is what `stripe` itself depends on; its httpx client warns on every upload
            http_client=stripe.RequestsClient(timeout=timeout_seconds),
        )

    def _call(self, operation: str, fn: Callable[[], T]) -> T:
        """Run one Stripe call; turn its errors into ours, without Stripe's message (it may quote a value)."""
        try:
            return fn()
        except stripe.APIConnectionError:
            raise StripeUnavailable(f"Stripe did not answer ({operation})") from None
        except stripe.RateLimitError:
            raise StripeUnavailable(f"Stripe is rate limiting requests ({operation})") from None
        except stripe.StripeError as exc:
            status = exc.http_status
            if status is None or status >= 500:
                raise StripeUnavailable(f"Stripe failed ({operation}, HTTP {status})") from None
            code = exc.code or type(exc).__name__
            raise StripeRejected(
                f"Stripe refused {operation} (HTTP {status}, {code})", http_status=status, code=exc.code
            ) from None

    def _parse(self, operation: str, fn: Callable[[dict[str, Any]], T], obj: Any) -> T:
        try:
            return fn(_as_dict(obj))
        except MalformedObject as exc:
            raise StripeRejected(f"Stripe answered {operation} with an object we cannot read ({exc})") from None

    def _missing_is_none(self, operation: str, fn: Callable[[], T]) -> T | None:
        try:
            return self._call(operation, fn)
        except StripeRejected as exc:
            if exc.http_status == 404:
                return None
            raise

    def _all(self, operation: str, fn: Callable[[], Any]) -> list[Any]:
        """Every item of a list, following Stripe's pages; none when its parent is missing (404)."""
        items = self._missing_is_none(operation, lambda: list(fn().auto_paging_iter()))
        return items or []

    def create_customer(self, *, tenant_id: uuid.UUID, idempotency_key: str) -> str:
        customer = self._call(
            "customer creation",
            lambda: self._client.v1.customers.create(
                {"metadata": {TENANT_METADATA_KEY: str(tenant_id)}},
                {"idempotency_key": idempotency_key},
            ),
        )
        return str(customer.id)

    def get_customer(self, customer_id: str) -> CustomerRecord | None:
        found = self._missing_is_none("customer retrieval", lambda: self._client.v1.customers.retrieve(customer_id))
        return None if found is None else self._parse("customer retrieval", parse_customer, found)

    def update_customer_details(self, *, customer_id: str, details: CustomerDetails, idempotency_key: str) -> None:
        # "" clears a field at Stripe, which is what a correction that removes it means
        params: dict[str, Any] = {
            "name": details.name or "",
            "email": details.email or "",
            "address": details.address.to_stripe() if details.address else "",
        }
        self._call(
            "customer update",
            lambda: self._client.v1.customers.update(
                customer_id,
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            ),
        )

    def delete_customer(self, *, customer_id: str, idempotency_key: str) -> bool:
        deleted = self._missing_is_none(
            "customer deletion",
            lambda: self._client.v1.customers.delete(customer_id, options={"idempotency_key": idempotency_key}),
        )
        return deleted is not None

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
        tenant_ref = {TENANT_METADATA_KEY: str(tenant_id)}
        session = self._call(
            "checkout session creation",
            lambda: self._client.v1.checkout.sessions.create(
                {
                    "mode": "subscription",
                    "customer": customer_id,
                    "client_reference_id": str(tenant_id),
                    "line_items": [{"price": price_id, "quantity": 1}],
                    "success_url": success_url,
                    "cancel_url": cancel_url,
                    "metadata": tenant_ref,
                    "subscription_data": {"metadata": tenant_ref},
                },
                {"idempotency_key": idempotency_key},
            ),
        )
        if not session.url:
            raise StripeRejected("Stripe answered checkout session creation without a URL")
        return HostedSession(id=str(session.id), url=str(session.url))

    def create_portal_session(self, *, customer_id: str, return_url: str, idempotency_key: str) -> HostedSession:
        session = self._call(
            "portal session creation",
            lambda: self._client.v1.billing_portal.sessions.create(
                {"customer": customer_id, "return_url": return_url},
                {"idempotency_key": idempotency_key},
            ),
        )
        return HostedSession(id=str(session.id), url=str(session.url))

    def get_subscription(self, subscription_id: str) -> SubscriptionRecord | None:
        found = self._missing_is_none(
            "subscription retrieval", lambda: self._client.v1.subscriptions.retrieve(subscription_id)
        )
        return None if found is None else self._parse("subscription retrieval", parse_subscription, found)

    def list_subscriptions(self, *, customer_id: str) -> list[SubscriptionRecord]:
        # without `status`, Stripe lists the subscriptions that have not ended
        found = self._all(
            "subscription listing",
            lambda: self._client.v1.subscriptions.list({"customer": customer_id, "limit": PAGE_SIZE}),
        )
        return [self._parse("subscription listing", parse_subscription, s) for s in found]

    def cancel_subscription(self, *, subscription_id: str, idempotency_key: str) -> SubscriptionRecord:
        canceled = self._call(
            "subscription cancellation",
            lambda: self._client.v1.subscriptions.cancel(subscription_id, options={"idempotency_key": idempotency_key}),
        )
        return self._parse("subscription cancellation", parse_subscription, canceled)

    def get_invoice(self, invoice_id: str) -> InvoiceRecord | None:
        found = self._missing_is_none("invoice retrieval", lambda: self._client.v1.invoices.retrieve(invoice_id))
        return None if found is None else self._parse("invoice retrieval", parse_invoice, found)

    def list_invoices(self, *, customer_id: str) -> list[InvoiceRecord]:
        found = self._all(
            "invoice listing",
            lambda: self._client.v1.invoices.list({"customer": customer_id, "limit": PAGE_SIZE}),
        )
        return [self._parse("invoice listing", parse_invoice, i) for i in found]
