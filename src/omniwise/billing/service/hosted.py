"""Stripe's hosted pages: Checkout to subscribe, the Customer Portal to manage payment methods.

The platform only asks Stripe for a page and hands its URL to the tenant's admin: card
numbers are typed into Stripe's page and never pass through here (PCI DSS SAQ A).
"""

from __future__ import annotations

import time

from sqlalchemy.orm import Session

from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.billing.config import BillingConfig
from omniwise.billing.entitlements import GOOD_STANDING, current_subscription
from omniwise.billing.gateway import StripeGateway, idempotency_key
from omniwise.billing.schemas import HostedSessionRead
from omniwise.billing.service.accounts import audit, ensure_customer, need_gateway, open_account
from omniwise.errors import Conflict, ValidationFailed
from omniwise.tenants.models import Tenant
from omniwise.tenants.service import require

# A double click, or a retried request, within this window gets the same page back from
# Stripe (same idempotency key); a later request gets a fresh one, since the Customer
# Portal's pages expire within minutes.
SESSION_WINDOW_SECONDS = 60


def _window() -> int:
    return int(time.time() // SESSION_WINDOW_SECONDS)


def start_checkout(
    session: Session,
    gateway: StripeGateway | None,
    *,
    config: BillingConfig,
    actor: Actor,
    tenant: Tenant,
    plan: str,
) -> HostedSessionRead:
    """A Checkout page that subscribes the tenant to `plan`; its URL."""
    require(actor, Permission.BILLING_MANAGE)
    stripe = need_gateway(gateway)
    price_id = config.prices.get(plan)
    if price_id is None:
        known = ", ".join(sorted(config.prices)) or "none configured in OMNIWISE_STRIPE_PRICES"
        raise ValidationFailed(f"plan: '{plan}' is not a plan of this platform (plans: {known})")
    account = open_account(session, tenant=tenant)
    subscription = current_subscription(session, tenant_id=tenant.id)
    if subscription is not None and subscription.status in GOOD_STANDING:
        raise Conflict(
            f"tenant {tenant.id} already has subscription {subscription.stripe_subscription_id} "
            f"({subscription.status}); change plans in the customer portal"
        )
    customer_id = ensure_customer(session, stripe, account=account, tenant=tenant, actor=actor)
    page = stripe.create_checkout_session(
        customer_id=customer_id,
        price_id=price_id,
        tenant_id=tenant.id,
        success_url=config.checkout_success_url,
        cancel_url=config.checkout_cancel_url,
        idempotency_key=idempotency_key(tenant.id, "checkout.create", plan, _window()),
    )
    audit(
        session,
        actor,
        tenant,
        "billing:checkout:created",
        object_type="checkout_session",
        object_id=page.id,
        details={"plan": plan},
    )
    return HostedSessionRead(id=page.id, url=page.url)


def open_portal(
    session: Session,
    gateway: StripeGateway | None,
    *,
    config: BillingConfig,
    actor: Actor,
    tenant: Tenant,
) -> HostedSessionRead:
    """A Customer Portal page where the tenant manages its payment methods and plan; its URL."""
    require(actor, Permission.BILLING_MANAGE)
    stripe = need_gateway(gateway)
    account = open_account(session, tenant=tenant)
    if account.stripe_customer_id is None:
        raise Conflict(f"tenant {tenant.id} has no Stripe customer yet; subscribe through checkout first")
    page = stripe.create_portal_session(
        customer_id=account.stripe_customer_id,
        return_url=config.portal_return_url,
        idempotency_key=idempotency_key(tenant.id, "portal.create", _window()),
    )
    audit(session, actor, tenant, "billing:portal:created", object_type="portal_session", object_id=page.id)
    return HostedSessionRead(id=page.id, url=page.url)
