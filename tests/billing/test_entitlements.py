"""Entitlements: the apps' features follow the mirrored subscription state, through one function."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from omniwise.app import create_app
from omniwise.billing.entitlements import Feature, has_feature, require_feature
from omniwise.billing.errors import SubscriptionRequired
from omniwise.billing.gateway import InMemoryStripeGateway, install_gateway
from omniwise.config import Settings
from omniwise.runtime import Runtime, build_runtime
from tests.billing.conftest import billing_settings
from tests.billing.helpers import Tenancy, deliver, event, process_events, subscribe_through_checkout
from tests.factories import auth


def _move_to(
    client: TestClient, runtime: Runtime, memory: InMemoryStripeGateway, tenancy: Tenancy, status: str
) -> None:
    completed = subscribe_through_checkout(client, runtime, memory, tenancy.admin, tenancy.tenant_id)
    moved = memory.set_subscription_status(completed["subscription"], status)
    deliver(client, event("customer.subscription.updated", moved))
    process_events(runtime)


def _has(runtime: Runtime, tenancy: Tenancy, feature: Feature) -> bool:
    with runtime.transaction() as session:
        return has_feature(session, tenant_id=tenancy.tenant_id, feature=feature)


STATES = {
    "active": True,
    "trialing": True,
    "past_due": True,
    "canceled": False,
    "unpaid": False,
    "incomplete": False,
}


def test_features_follow_the_subscription_state(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway
) -> None:
    for status, entitled in STATES.items():
        tenancy = Tenancy(client, runtime)
        _move_to(client, runtime, stripe_memory, tenancy, status)

        assert _has(runtime, tenancy, Feature.MESSENGER) is entitled, status
        response = client.get(f"{tenancy.billing}/entitlements", headers=auth(tenancy.member))
        assert response.status_code == 200
        assert response.json() == {
            "tenant_id": str(tenancy.tenant_id),
            "plan": "messenger-monthly",
            "status": status,
            "features": {"messenger": entitled, "messenger_analytics": entitled},
        }
        with runtime.transaction() as session:
            if entitled:
                require_feature(session, tenant_id=tenancy.tenant_id, feature=Feature.MESSENGER)
            else:
                with pytest.raises(SubscriptionRequired) as refused:
                    require_feature(session, tenant_id=tenancy.tenant_id, feature=Feature.MESSENGER)
                assert refused.value.status_code == 402


def test_no_subscription_no_features(client: TestClient, runtime: Runtime, tenancy: Tenancy) -> None:
    assert _has(runtime, tenancy, Feature.MESSENGER) is False
    body = client.get(f"{tenancy.billing}/entitlements", headers=tenancy.auth).json()
    assert body == {
        "tenant_id": str(tenancy.tenant_id),
        "plan": None,
        "status": None,
        "features": {"messenger": False, "messenger_analytics": False},
    }


@pytest.fixture
def plan_runtime(settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(billing_settings(settings, stripe_plan_features={"messenger-monthly": ["messenger"]}))
    yield rt
    rt.dispose()


def test_a_plan_includes_only_the_features_it_lists(plan_runtime: Runtime) -> None:
    memory = InMemoryStripeGateway()
    install_gateway(plan_runtime, memory)
    with TestClient(create_app(plan_runtime), raise_server_exceptions=False) as client:
        tenancy = Tenancy(client, plan_runtime)
        _move_to(client, plan_runtime, memory, tenancy, "active")
        features = client.get(f"{tenancy.billing}/entitlements", headers=tenancy.auth).json()["features"]
    assert features == {"messenger": True, "messenger_analytics": False}
    with plan_runtime.transaction() as session:
        plans = {"messenger-monthly": ["messenger"]}
        assert has_feature(session, tenant_id=tenancy.tenant_id, feature=Feature.MESSENGER, plan_features=plans)
        assert not has_feature(
            session, tenant_id=tenancy.tenant_id, feature=Feature.MESSENGER_ANALYTICS, plan_features=plans
        )
