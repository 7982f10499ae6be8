"""The billing settings a service needs, read once from the process settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from omniwise.billing.gateway.registry import is_configured
from omniwise.config import Settings

# the portal page people come back to from Stripe Checkout and the Customer Portal
SUBSCRIPTION_PAGE = "/portal/subscription"


@dataclass(frozen=True)
class BillingConfig:
    prices: Mapping[str, str] = field(default_factory=dict)
    plan_features: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    checkout_success_url: str = "http://127.0.0.1:8000/portal/subscription?checkout=done"
    checkout_cancel_url: str = "http://127.0.0.1:8000/portal/subscription?checkout=canceled"
    portal_return_url: str = "http://127.0.0.1:8000/portal/subscription"
    webhook_secret: str | None = None
    webhook_tolerance_seconds: int = 300
    gateway_configured: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> BillingConfig:
        secret = settings.stripe_webhook_secret
        page = f"{settings.public_url.rstrip('/')}{SUBSCRIPTION_PAGE}"
        return cls(
            prices=dict(settings.stripe_prices),
            plan_features={plan: tuple(features) for plan, features in settings.stripe_plan_features.items()},
            checkout_success_url=settings.stripe_checkout_success_url or f"{page}?checkout=done",
            checkout_cancel_url=settings.stripe_checkout_cancel_url or f"{page}?checkout=canceled",
            portal_return_url=settings.stripe_portal_return_url or page,
            webhook_secret=secret.get_secret_value() if secret is not None else None,
            webhook_tolerance_seconds=settings.stripe_webhook_tolerance_seconds,
            gateway_configured=is_configured(settings),
        )

    def plan_for_price(self, price_id: str | None) -> str | None:
        """The plan a Stripe price belongs to (OMNIWISE_STRIPE_PRICES read backwards)."""
        if price_id is None:
            return None
        return next((plan for plan, price in self.prices.items() if price == price_id), None)
