"""A business stops promotional mail to its contacts: the suppression list's opt-out, by the API."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from omniwise.audit.models import AuditEvent
from omniwise.auth.roles import Role
from omniwise.messaging.suppression import address_hmac, is_suppressed
from omniwise.runtime import Runtime
from tests.factories import api_token, auth, create_contact, create_tenant


def test_an_admin_opts_a_contact_out_and_the_opt_out_outlives_the_contact(client: TestClient, runtime: Runtime) -> None:
    tenant = create_tenant(client, api_token(runtime, Role.VENDOR_ADMIN))
    admin = auth(api_token(runtime, Role.TENANT_ADMIN, tenant))
    member = auth(api_token(runtime, Role.TENANT_MEMBER, tenant))
    contact = create_contact(client, api_token(runtime, Role.TENANT_ADMIN, tenant), tenant, email="Grace@Example.org")
    base = f"/api/v1/tenants/{tenant}/promotional-opt-outs"

    [before] = client.get(base, headers=member).json()["items"]
    assert before["opted_out"] is False
    assert client.put(f"{base}/{contact}", headers=member).status_code == 403
    done = client.put(f"{base}/{contact}", headers=admin)
    assert done.status_code == 200
    assert done.json() == {
        "contact_id": str(contact),
        "name": "Grace Hopper",
        "email": "Grace@example.org",  # the domain is case-insensitive and stored in lower case
        "opted_out": True,
    }
    assert client.put(f"{base}/{contact}", headers=admin).status_code == 200  # once is enough; twice changes nothing
    assert client.put(f"{base}/{uuid.uuid4()}", headers=admin).status_code == 404

    with runtime.transaction() as session:
        names = list(session.scalars(select(AuditEvent.name).where(AuditEvent.name == "messaging:suppression:added")))
        assert names == ["messaging:suppression:added"]
    assert client.delete(f"/api/v1/tenants/{tenant}/contacts/{contact}", headers=admin).status_code == 204
    with runtime.transaction() as session:
        # the address, typed in any case, stays on the list after the contact is erased
        assert is_suppressed(session, address_key=address_hmac(runtime.keyring, "grace@example.org"))
