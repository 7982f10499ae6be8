"""Usage events for each use of the API, and per-tenant daily rollups that hold no personal data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from omniwise.auth.roles import Role
from omniwise.devices.models import DeviceSighting
from omniwise.models import metadata
from omniwise.runtime import Runtime
from omniwise.usage.models import UsageDaily, UsageEvent
from omniwise.usage.service import roll_up_day
from tests.factories import api_token, auth, create_contact, create_tenant
from tests.live import live_server


def _events(runtime: Runtime) -> list[UsageEvent]:
    with runtime.transaction() as session:
        return list(session.scalars(select(UsageEvent).order_by(UsageEvent.id)))


def test_each_api_call_is_a_usage_event_with_ids_only(client: TestClient, runtime: Runtime) -> None:
    admin_token = api_token(runtime, Role.VENDOR_ADMIN)
    tenant_id = create_tenant(client, admin_token)
    tenant_admin = api_token(runtime, Role.TENANT_ADMIN, tenant_id)
    create_contact(client, tenant_admin, tenant_id, email="ada@example.org")
    client.get(f"/api/v1/tenants/{tenant_id}/contacts?email=ada@example.org", headers=auth(tenant_admin))
    client.get(f"/api/v1/tenants/{tenant_id}/contacts/not-an-id", headers=auth(tenant_admin))
    client.get("/api/v1/tenants")  # no key: a use that failed, by no one we know
    client.get("/health")
    client.get("/api/v1/no-such-route")

    events = _events(runtime)
    assert [(e.feature, e.outcome) for e in events] == [
        ("POST /api/v1/tenants", "2xx"),
        ("POST /api/v1/tenants/{tenant_id}/contacts", "2xx"),
        ("GET /api/v1/tenants/{tenant_id}/contacts", "2xx"),
        ("GET /api/v1/tenants/{tenant_id}/contacts/{contact_id}", "4xx"),
        ("GET /api/v1/tenants", "4xx"),
    ]
    assert events[0].tenant_id is None  # creating a tenant happens outside any tenant
    assert {e.tenant_id for e in events[1:4]} == {tenant_id}
    assert events[4].actor_id is None
    assert all(e.actor_type == "api_key" for e in events[:4])
    # nothing from the URL or the body: the address searched for appears nowhere
    assert not any("example.org" in str(value) for e in events for value in vars(e).values())


def test_daily_rollups_count_features_for_the_tenant_admin(client: TestClient, runtime: Runtime) -> None:
    staff = api_token(runtime, Role.VENDOR_ADMIN)
    tenant_id = create_tenant(client, staff)
    other = create_tenant(client, staff, name="Other Ltd")
    admin = api_token(runtime, Role.TENANT_ADMIN, tenant_id)
    member = api_token(runtime, Role.TENANT_MEMBER, tenant_id)
    for _ in range(3):
        client.get(f"/api/v1/tenants/{tenant_id}", headers=auth(admin))
    client.get(f"/api/v1/tenants/{tenant_id}/contacts/{tenant_id}", headers=auth(admin))
    client.get(f"/api/v1/tenants/{other}", headers=auth(staff))
    today = datetime.now(UTC).date()
    with runtime.transaction() as session:
        rows = roll_up_day(session, day=today)
        assert rows == 3  # two features used in our tenant, one in the other (creating a tenant is in none)
        assert roll_up_day(session, day=today) == rows  # a rerun replaces, never adds

    response = client.get(f"/api/v1/tenants/{tenant_id}/usage/daily", headers=auth(admin))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["until"] == today.isoformat()
    assert body["since"] == (today - timedelta(days=29)).isoformat()
    counts = {item["feature"]: (item["count"], item["errors"]) for item in body["items"]}
    assert counts == {
        "GET /api/v1/tenants/{tenant_id}": (3, 0),
        "GET /api/v1/tenants/{tenant_id}/contacts/{contact_id}": (1, 1),
    }
    assert client.get(f"/api/v1/tenants/{tenant_id}/usage/daily", headers=auth(member)).status_code == 403
    bad = client.get(f"/api/v1/tenants/{tenant_id}/usage/daily?since=2026-02-01&until=2026-01-01", headers=auth(admin))
    assert bad.status_code == 422
    assert "since" in bad.json()["detail"]
    too_long = client.get(
        f"/api/v1/tenants/{tenant_id}/usage/daily?since=2020-01-01&until=2026-01-01", headers=auth(admin)
    )
    assert too_long.status_code == 422


def test_rollups_hold_no_personal_data(client: TestClient, runtime: Runtime) -> None:
    staff = api_token(runtime, Role.VENDOR_ADMIN)
    tenant_id = create_tenant(client, staff)
    admin = api_token(runtime, Role.TENANT_ADMIN, tenant_id)
    client.get(f"/api/v1/tenants/{tenant_id}", headers=auth(admin))
    with runtime.transaction() as session:
        roll_up_day(session, day=datetime.now(UTC).date())
        actor_ids = {e.actor_id for e in session.scalars(select(UsageEvent)) if e.actor_id}
        rollups = session.scalars(select(UsageDaily)).all()
    assert actor_ids
    assert rollups
    table = metadata.tables["usage_daily"]
    assert not [c.name for c in table.columns if c.info.get("personal")]
    assert {c.name for c in table.columns} == {"tenant_id", "day", "feature", "count", "errors", "rolled_up_at"}
    assert not any(actor in str(vars(row)) for row in rollups for actor in actor_ids)


def test_over_real_http_the_device_and_network_are_recorded(runtime: Runtime) -> None:
    staff = api_token(runtime, Role.VENDOR_ADMIN)
    agent = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"
    )
    with live_server(runtime) as base, httpx.Client(base_url=base, headers={"User-Agent": agent}) as http:
        for _ in range(3):
            assert http.get("/api/v1/tenants", headers=auth(staff)).status_code == 200
        http.get("/api/v1/tenants")  # unauthenticated: a use, but no device is tied to anyone
    with runtime.transaction() as session:
        sightings = session.scalars(select(DeviceSighting)).all()
    assert len(sightings) == 1
    seen = sightings[0]
    assert (seen.ip_address, seen.ip_network, seen.requests) == ("127.0.0.1", "127.0.0.0/24", 3)
    assert (seen.browser_family, seen.os_family, seen.device_family) == ("Chrome", "Windows", "Other")
    assert seen.user_agent == agent
    assert len(_events(runtime)) == 4
