"""Entitlements: the one function through which the apps' features check a tenant's subscription.

A feature is on when the tenant's mirrored subscription is in good standing and its plan
includes the feature. Good standing is `active`, `trialing`, or `past_due`: a failed renewal
keeps the apps working while Stripe retries the payment, and `unpaid`, `canceled`,
`incomplete` and `paused` turn them off. A plan that OMNIWISE_STRIPE_PLAN_FEATURES does not
list includes every feature.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from enum import StrEnum

from sqlalchemy.orm import Session

from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.billing import repository
from omniwise.billing.errors import SubscriptionRequired
from omniwise.billing.models import BillingSubscription
from omniwise.billing.schemas import EntitlementsRead
from omniwise.tenants.models import Tenant
from omniwise.tenants.service import require

GOOD_STANDING = frozenset({"active", "trialing", "past_due"})


class Feature(StrEnum):
    MESSENGER = "messenger"
    MESSENGER_ANALYTICS = "messenger_analytics"


def current_subscription(session: Session, *, tenant_id: uuid.UUID) -> BillingSubscription | None:
    """The subscription that decides: one in good standing if any, else the most recent."""
    rows = repository.subscriptions(session, tenant_id=tenant_id)
    standing = [row for row in rows if row.status in GOOD_STANDING]
    candidates = standing or list(rows)
    return candidates[0] if candidates else None


def plan_includes(plan: str | None, feature: Feature, plan_features: Mapping[str, Collection[str]]) -> bool:
    if plan is None or plan not in plan_features:
        return True
    return feature.value in plan_features[plan]


def has_feature(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    feature: Feature,
    plan_features: Mapping[str, Collection[str]] | None = None,
) -> bool:
    """Whether the tenant's subscription, as mirrored from Stripe, lets it use `feature`."""
    subscription = current_subscription(session, tenant_id=tenant_id)
    if subscription is None or subscription.status not in GOOD_STANDING:
        return False
    return plan_includes(subscription.plan, feature, plan_features or {})


def require_feature(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    feature: Feature,
    plan_features: Mapping[str, Collection[str]] | None = None,
) -> None:
    """For a feature's endpoint or job: 402 unless `has_feature`."""
    if not has_feature(session, tenant_id=tenant_id, feature=feature, plan_features=plan_features):
        raise SubscriptionRequired(f"tenant {tenant_id} has no subscription in good standing that includes '{feature}'")


def entitlements(
    session: Session, *, actor: Actor, tenant: Tenant, plan_features: Mapping[str, Collection[str]]
) -> EntitlementsRead:
    """Every feature and whether the tenant has it: what the apps ask before showing a feature."""
    require(actor, Permission.TENANTS_READ)
    subscription = current_subscription(session, tenant_id=tenant.id)
    return EntitlementsRead(
        tenant_id=tenant.id,
        plan=subscription.plan if subscription is not None else None,
        status=subscription.status if subscription is not None else None,
        features={
            feature.value: has_feature(session, tenant_id=tenant.id, feature=feature, plan_features=plan_features)
            for feature in Feature
        },
    )
