"""Closing a business's account disconnects its Zendesk accounts, so its customers' data is swept in time."""

from __future__ import annotations

from fastapi.testclient import TestClient

from omniwise.auth.roles import Role
from omniwise.runtime import Runtime
from omniwise.zendesk import repository
from tests.factories import api_token, auth, create_tenant, create_zendesk_connection


def test_closing_disconnects_every_zendesk_account(client: TestClient, runtime: Runtime) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    tenant_id = create_tenant(client, admin)
    other_id = create_tenant(client, admin, name="Other Ltd")
    tenant_admin = api_token(runtime, Role.TENANT_ADMIN, tenant_id)
    first = create_zendesk_connection(client, tenant_admin, tenant_id)
    second = create_zendesk_connection(client, tenant_admin, tenant_id)
    untouched = create_zendesk_connection(client, admin, other_id)

    response = client.post(f"/api/v1/tenants/{tenant_id}/close", headers=auth(tenant_admin))
    assert response.status_code == 200, response.text

    with runtime.transaction() as session:
        for connection_id in (first, second):
            connection = repository.connection_by_id(session, connection_id=connection_id)
            assert connection is not None
            assert connection.status == "disconnected"
            assert connection.disconnected_at is not None  # the retention clock of the mirror runs from here
            assert connection.credentials_ct is None
            assert connection.webhook_secret_ct is None
        other = repository.connection_by_id(session, connection_id=untouched)
        assert other is not None
        assert other.status == "active"

    # closing again is refused and leaves everything as it is
    again = client.post(f"/api/v1/tenants/{tenant_id}/close", headers=auth(tenant_admin))
    assert again.status_code == 409
