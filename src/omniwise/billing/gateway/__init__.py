"""Stripe behind one small interface: the real API client (`stripe_api`) and an in-memory one."""

from omniwise.billing.gateway.base import StripeGateway, idempotency_key
from omniwise.billing.gateway.memory import InMemoryStripeGateway
from omniwise.billing.gateway.records import (
    Address,
    CustomerDetails,
    CustomerRecord,
    HostedSession,
    InvoiceRecord,
    SubscriptionRecord,
)
from omniwise.billing.gateway.registry import build_gateway, configured_gateway, gateway_for, install_gateway

__all__ = [
    "Address",
    "CustomerDetails",
    "CustomerRecord",
    "HostedSession",
    "InMemoryStripeGateway",
    "InvoiceRecord",
    "StripeGateway",
    "SubscriptionRecord",
    "build_gateway",
    "configured_gateway",
    "gateway_for",
    "idempotency_key",
    "install_gateway",
]
