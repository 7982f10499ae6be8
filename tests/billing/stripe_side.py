"""Stripe seen from outside the platform: what its hosted pages and billing runs do, and what it holds.

The platform talks to Stripe only through its gateway. Tests also need to act as Stripe
does on its own side (a tenant paying on the Checkout page makes a subscription) and to
look at what Stripe holds (the details a customer carries). For the in-memory Stripe that
is its own simulation; for localstripe, the official client talking to it directly
(localstripe has no Checkout, so a paid Checkout is a subscription created with a test card).
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

import httpx
import stripe

from omniwise.billing.gateway import InMemoryStripeGateway, StripeGateway
from omniwise.billing.gateway.records import TENANT_METADATA_KEY
from omniwise.billing.gateway.stripe_api import StripeApiGateway

PLAN = "messenger-monthly"
MEMORY_PRICE = "price_messenger_monthly"
LOCALSTRIPE_KEY = "sk_test_omniwise"
LOCALSTRIPE_PLAN = "plan_omniwise_messenger_monthly"
PLAN_AMOUNT = 2900


class StripeSide(Protocol):
    kind: str
    gateway: StripeGateway
    price_id: str

    def subscribe(self, customer_id: str, tenant_id: uuid.UUID) -> str:
        """What a paid Checkout does: a subscription to the plan, and its first invoice, paid. Its id."""
        ...

    def customer_details(self, customer_id: str) -> dict[str, Any]:
        """The name, email and address Stripe holds for the customer."""
        ...

    def customers_of(self, tenant_id: uuid.UUID) -> list[str]:
        """The live customers whose metadata names the tenant."""
        ...


class MemorySide:
    kind = "memory"
    price_id = MEMORY_PRICE

    def __init__(self, gateway: InMemoryStripeGateway) -> None:
        self.memory = gateway
        self.gateway: StripeGateway = gateway

    def subscribe(self, customer_id: str, tenant_id: uuid.UUID) -> str:
        page = self.memory.create_checkout_session(
            customer_id=customer_id,
            price_id=self.price_id,
            tenant_id=tenant_id,
            success_url="https://example.test/done",
            cancel_url="https://example.test/canceled",
            idempotency_key=f"test-checkout-{uuid.uuid4()}",
        )
        return str(self.memory.complete_checkout(page.id)["subscription"])

    def customer_details(self, customer_id: str) -> dict[str, Any]:
        customer = self.memory.customers[customer_id]
        return {"name": customer.get("name"), "email": customer.get("email"), "address": customer.get("address")}

    def customers_of(self, tenant_id: uuid.UUID) -> list[str]:
        return [
            c["id"]
            for c in self.memory.customers.values()
            if not c.get("deleted") and c["metadata"].get(TENANT_METADATA_KEY) == str(tenant_id)
        ]


class LocalstripeSide:
    kind = "localstripe"
    price_id = LOCALSTRIPE_PLAN

    def __init__(self, base: str) -> None:
        self.base = base
        self.client = stripe.StripeClient(
            LOCALSTRIPE_KEY,
            base_addresses={"api": base},
            max_network_retries=0,
            http_client=stripe.RequestsClient(timeout=10),
        )
        self.gateway = StripeApiGateway(LOCALSTRIPE_KEY, api_base=base, timeout_seconds=10)
        try:
            self.client.v1.plans.retrieve(LOCALSTRIPE_PLAN)
        except stripe.InvalidRequestError:
            product = self.client.v1.products.create({"name": "Omni Messenger"})
            self.client.v1.plans.create(
                {
                    "id": LOCALSTRIPE_PLAN,
                    "amount": PLAN_AMOUNT,
                    "currency": "eur",
                    "interval": "month",
                    "product": product.id,
                }
            )

    def subscribe(self, customer_id: str, tenant_id: uuid.UUID) -> str:
        card = self.client.v1.payment_methods.retrieve("pm_card_visa")  # Stripe's test card
        self.client.v1.payment_methods.attach(card.id, {"customer": customer_id})
        self.client.v1.customers.update(customer_id, {"invoice_settings": {"default_payment_method": card.id}})
        subscription = self.client.v1.subscriptions.create(
            {
                "customer": customer_id,
                "items": [{"plan": LOCALSTRIPE_PLAN}],  # type: ignore[typeddict-unknown-key]
                "metadata": {TENANT_METADATA_KEY: str(tenant_id)},
            }
        )
        return str(subscription.id)

    def customer_details(self, customer_id: str) -> dict[str, Any]:
        customer = self.client.v1.customers.retrieve(customer_id).to_dict()
        # localstripe keeps a cleared field as "", where Stripe answers null
        return {key: customer.get(key) or None for key in ("name", "email", "address")}

    def customers_of(self, tenant_id: uuid.UUID) -> list[str]:
        found = (c.to_dict() for c in self.client.v1.customers.list({"limit": 100}).auto_paging_iter())
        return [c["id"] for c in found if (c.get("metadata") or {}).get(TENANT_METADATA_KEY) == str(tenant_id)]

    def register_webhook(self, url: str, secret: str) -> None:
        """Where localstripe sends its signed events; the last registration wins."""
        response = httpx.post(f"{self.base}/_config/webhooks/omniwise", data={"url": url, "secret": secret}, timeout=5)
        response.raise_for_status()
