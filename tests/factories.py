"""Typed factories for tests: tenants, API keys, contacts and people who sign in, made through the services."""

from __future__ import annotations

import secrets
import uuid

from fastapi.testclient import TestClient

from omniwise.auth.roles import Role
from omniwise.auth.service import create_api_key
from omniwise.runtime import Runtime
from omniwise.users.schemas import UserCreate
from omniwise.users.service import create_user


def api_token(runtime: Runtime, role: Role, tenant_id: uuid.UUID | None = None, name: str = "test") -> str:
    with runtime.transaction() as session:
        return create_api_key(session, name=name, role=role, tenant_id=tenant_id).token


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def create_tenant(client: TestClient, admin_token: str, name: str = "Acme Ltd", region: str = "eu") -> uuid.UUID:
    response = client.post(
        "/api/v1/tenants",
        json={"name": name, "address": "1 High Street, Dover", "industry": "retail", "region": region},
        headers=auth(admin_token),
    )
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


def create_contact(
    client: TestClient,
    token: str,
    tenant_id: uuid.UUID,
    *,
    name: str = "Grace Hopper",
    email: str = "grace@example.org",
    phone: str | None = "+14155552671",
    job_title: str | None = "Engineer",
) -> uuid.UUID:
    body: dict[str, str | None] = {"name": name, "email": email, "phone": phone, "job_title": job_title}
    response = client.post(f"/api/v1/tenants/{tenant_id}/contacts", json=body, headers=auth(token))
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


PASSWORD = "correct horse battery staple"


def person(
    runtime: Runtime,
    role: Role,
    email: str,
    *,
    tenant_id: uuid.UUID | None = None,
    name: str | None = None,
    password: str = PASSWORD,
) -> uuid.UUID:
    """An account that signs in to the console (staff) or the portal (tenant users)."""
    with runtime.transaction() as session:
        data = UserCreate(email=email, role=role, tenant_id=tenant_id, name=name)
        return create_user(session, runtime.keyring, settings=runtime.settings, data=data, password=password).id


def create_zendesk_connection(
    client: TestClient, token: str, tenant_id: uuid.UUID, *, subdomain: str | None = None
) -> uuid.UUID:
    body = {
        "subdomain": subdomain or f"acme-{uuid.uuid4().hex[:8]}",
        "auth": {"type": "api_token", "email": "admin@acme.example", "token": "api-token"},
        "webhook_secret": "webhook-secret",
    }
    response = client.post(f"/api/v1/tenants/{tenant_id}/zendesk/connections", json=body, headers=auth(token))
    assert response.status_code == 201, response.text
    return uuid.UUID(response.json()["id"])


def create_zendesk_ticket(runtime: Runtime, client: TestClient, token: str, tenant_id: uuid.UUID) -> int:
    """A ticket in the tenant's Zendesk mirror (and its requester), as a webhook would leave it; its Zendesk id."""
    from omniwise.zendesk import repository
    from omniwise.zendesk.records import Mirror

    connection_id = create_zendesk_connection(client, token, tenant_id)
    zendesk_id = secrets.randbelow(10**9) + 1
    with runtime.transaction() as session:
        connection = repository.connection_by_id(session, connection_id=connection_id)
        assert connection is not None
        Mirror(session, runtime.keyring, connection).apply_ticket_fields(
            zendesk_id, zendesk_id + 1, {"subject": "Help", "status": "open"}, None
        )
    return zendesk_id
