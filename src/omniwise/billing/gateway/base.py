"""The interface to Stripe: a small set of operations, two implementations (the API and memory).

Every write takes an idempotency key derived from the tenant and the operation, so a
retried job or request repeats its request instead of making a second customer or
subscription. Only `update_customer_details` carries personal data, and only
`billing.details.push_billing_details` calls it, after the disclosure gate.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from omniwise.billing.gateway.records import (
    CustomerDetails,
    CustomerRecord,
    HostedSession,
    InvoiceRecord,
    SubscriptionRecord,
)

KEY_PREFIX = "omniwise"


def idempotency_key(tenant_id: uuid.UUID, operation: str, *parts: str | int) -> str:
    """`omniwise:<tenant>:<operation>[:part...]`: the same work for the same tenant gets the same key."""
    return ":".join([KEY_PREFIX, str(tenant_id), operation, *(str(part) for part in parts)])


class StripeGateway(Protocol):
    def create_customer(self, *, tenant_id: uuid.UUID, idempotency_key: str) -> str:
        """Create a customer carrying only the tenant's id in its metadata; its Stripe id."""
        ...

    def get_customer(self, customer_id: str) -> CustomerRecord | None:
        """The customer's ids and whether it is deleted; None if Stripe never had it."""
        ...

    def update_customer_details(self, *, customer_id: str, details: CustomerDetails, idempotency_key: str) -> None:
        """Set the customer's billing name, email and address (personal data)."""
        ...

    def delete_customer(self, *, customer_id: str, idempotency_key: str) -> bool:
        """Delete the customer; False if Stripe no longer had it."""
        ...

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
        """A hosted Checkout page that starts a subscription to `price_id`; the card never touches us."""
        ...

    def create_portal_session(self, *, customer_id: str, return_url: str, idempotency_key: str) -> HostedSession:
        """A hosted Customer Portal page where the tenant manages payment methods and its plan."""
        ...

    def get_subscription(self, subscription_id: str) -> SubscriptionRecord | None:
        """The subscription as Stripe has it now; None if Stripe does not know it."""
        ...

    def list_subscriptions(self, *, customer_id: str) -> list[SubscriptionRecord]:
        """Every subscription of the customer that has not ended; none for a deleted customer."""
        ...

    def cancel_subscription(self, *, subscription_id: str, idempotency_key: str) -> SubscriptionRecord:
        """End the subscription now."""
        ...

    def get_invoice(self, invoice_id: str) -> InvoiceRecord | None:
        """The invoice as Stripe has it now; None if Stripe does not know it."""
        ...

    def list_invoices(self, *, customer_id: str) -> list[InvoiceRecord]:
        """Every invoice of the customer; none for a deleted customer."""
        ...
