"""Tenants through the API: who may create, list, read and correct a business."""

from __future__ import annotations

from fastapi.testclient import TestClient

from omniwise.auth.roles import Role
from omniwise.runtime import Runtime
from tests.factories import api_token, auth, create_tenant


def test_vendor_admin_creates_and_tenant_admin_corrects(client: TestClient, runtime: Runtime) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    tenant_id = create_tenant(client, admin, name="Acme Ltd", region="tr")
    tenant_admin = api_token(runtime, Role.TENANT_ADMIN, tenant_id)

    read = client.get(f"/api/v1/tenants/{tenant_id}", headers=auth(tenant_admin))
    assert read.status_code == 200
    assert read.json()["region"] == "tr"

    patched = client.patch(
        f"/api/v1/tenants/{tenant_id}",
        json={"address": "8 The Green, Dover", "organisation": {"employees": "12"}},
        headers=auth(tenant_admin),
    )
    assert patched.status_code == 200
    assert patched.json()["address"] == "8 The Green, Dover"
    assert patched.json()["organisation"] == {"employees": "12"}


def test_only_vendor_admin_creates_tenants(client: TestClient, runtime: Runtime) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    tenant_id = create_tenant(client, admin)
    body = {"name": "Other", "region": "us"}
    for token in (
        api_token(runtime, Role.TENANT_ADMIN, tenant_id),
        api_token(runtime, Role.SUPPORT_AGENT),
        api_token(runtime, Role.PRIVACY_OFFICER),
    ):
        response = client.post("/api/v1/tenants", json=body, headers=auth(token))
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"


def test_members_read_but_do_not_write(client: TestClient, runtime: Runtime) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    tenant_id = create_tenant(client, admin)
    member = api_token(runtime, Role.TENANT_MEMBER, tenant_id)
    assert client.get(f"/api/v1/tenants/{tenant_id}", headers=auth(member)).status_code == 200
    assert client.patch(f"/api/v1/tenants/{tenant_id}", json={"industry": "x"}, headers=auth(member)).status_code == 403
    contact = client.post(
        f"/api/v1/tenants/{tenant_id}/contacts", json={"name": "A", "email": "a@example.org"}, headers=auth(member)
    )
    assert contact.status_code == 403


def test_listing_shows_staff_everything_and_tenants_themselves(client: TestClient, runtime: Runtime) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    first = create_tenant(client, admin, name="First")
    second = create_tenant(client, admin, name="Second")
    agent = api_token(runtime, Role.SUPPORT_AGENT)
    seen = {t["id"] for t in client.get("/api/v1/tenants", headers=auth(agent)).json()["items"]}
    assert {str(first), str(second)} <= seen

    own = api_token(runtime, Role.TENANT_ADMIN, first)
    items = client.get("/api/v1/tenants", headers=auth(own)).json()["items"]
    assert [t["id"] for t in items] == [str(first)]


def test_pagination_walks_every_tenant_once(client: TestClient, runtime: Runtime) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    created = {str(create_tenant(client, admin, name=f"T{i}")) for i in range(5)}
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/tenants", params=params, headers=auth(admin)).json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(created)
    bad = client.get("/api/v1/tenants", params={"cursor": "!!"}, headers=auth(admin))
    assert bad.status_code == 400


def test_bad_region_and_missing_auth(client: TestClient, runtime: Runtime) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    response = client.post("/api/v1/tenants", json={"name": "X", "region": "mars"}, headers=auth(admin))
    assert response.status_code == 422
    assert "body.region" in response.json()["detail"]
    assert client.get("/api/v1/tenants").status_code == 401
    assert client.get("/api/v1/tenants", headers={"Authorization": "Bearer ow_nope"}).status_code == 401
    assert client.get("/api/v1/tenants", headers={"Authorization": "Basic abc"}).status_code == 401
