"""Contacts through the API: create, read, find, correct, delete; validation errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from omniwise.auth.roles import Role
from omniwise.runtime import Runtime
from tests.factories import api_token, auth, create_contact, create_tenant


def test_contact_round_trip(client: TestClient, runtime: Runtime) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    tenant_id = create_tenant(client, admin)
    contact_id = create_contact(client, admin, tenant_id, email="Grace@Example.org")
    base = f"/api/v1/tenants/{tenant_id}/contacts"

    read = client.get(f"{base}/{contact_id}", headers=auth(admin))
    assert read.status_code == 200
    assert read.json()["name"] == "Grace Hopper"
    assert read.json()["phone"] == "+14155552671"

    found = client.get(base, params={"email": "grace@example.org"}, headers=auth(admin))
    assert [c["id"] for c in found.json()["items"]] == [str(contact_id)]
    assert client.get(base, params={"email": "other@example.org"}, headers=auth(admin)).json()["items"] == []

    patched = client.patch(f"{base}/{contact_id}", json={"job_title": "Rear Admiral"}, headers=auth(admin))
    assert patched.status_code == 200
    assert patched.json()["job_title"] == "Rear Admiral"

    assert client.delete(f"{base}/{contact_id}", headers=auth(admin)).status_code == 204
    assert client.get(f"{base}/{contact_id}", headers=auth(admin)).status_code == 404


def test_bad_input_is_explained_without_echoing_values(client: TestClient, runtime: Runtime) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    tenant_id = create_tenant(client, admin)
    base = f"/api/v1/tenants/{tenant_id}/contacts"

    bad_email = client.post(base, json={"name": "X", "email": "not-an-address"}, headers=auth(admin))
    assert bad_email.status_code == 422
    assert bad_email.headers["content-type"] == "application/problem+json"
    assert "body.email" in bad_email.json()["detail"]
    assert "not-an-address" not in bad_email.text

    unknown = client.post(base, json={"name": "X", "email": "x@example.org", "shoe_size": 9}, headers=auth(admin))
    assert unknown.status_code == 422
    assert "body.shoe_size: unknown field" in unknown.json()["detail"]

    malformed = client.post(base, content=b'{"name": ', headers={**auth(admin), "content-type": "application/json"})
    assert malformed.status_code == 400
    assert "not valid JSON" in malformed.json()["detail"]

    too_big = client.post(
        base, content=b"x" * (1024 * 1024 + 1), headers={**auth(admin), "content-type": "application/json"}
    )
    assert too_big.status_code == 413

    phone = client.post(base, json={"name": "X", "email": "x@example.org", "phone": "12"}, headers=auth(admin))
    assert phone.status_code == 422
    assert "body.phone" in phone.json()["detail"]


def test_duplicate_email_conflicts(client: TestClient, runtime: Runtime) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    tenant_id = create_tenant(client, admin)
    create_contact(client, admin, tenant_id, email="a@example.org")
    again = client.post(
        f"/api/v1/tenants/{tenant_id}/contacts", json={"name": "A", "email": "A@example.org"}, headers=auth(admin)
    )
    assert again.status_code == 409


def test_logs_carry_no_personal_data(client: TestClient, runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    tenant_id = create_tenant(client, admin)
    contact_id = create_contact(client, admin, tenant_id, name="Ottoline Logfree", email="ottoline@example.net")
    base = f"/api/v1/tenants/{tenant_id}/contacts"
    client.get(base, params={"email": "ottoline@example.net"}, headers=auth(admin))
    client.post(base, json={"name": "Ottoline Logfree", "email": "ottoline@example.net"}, headers=auth(admin))  # 409
    client.post(base, json={"name": "Ottoline Logfree", "email": "ottoline@"}, headers=auth(admin))  # 422
    client.delete(f"{base}/{contact_id}", headers=auth(admin))
    assert any("GET /api/v1/tenants/{tenant_id}/contacts 200" in r.getMessage() for r in caplog.records)
    # the test client's own request log (logger "httpx") is the caller's, not the service's
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    for value in ("Ottoline", "Logfree", "ottoline@", "example.net"):
        assert value not in text
