"""A tenant admin opts the business in to, and out of, sharing with a partner; nobody else can."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from omniwise.audit.models import AuditEvent
from omniwise.auth.roles import Role
from omniwise.runtime import Runtime
from tests.factories import api_token, auth, create_tenant


def test_opt_in_and_withdraw(client: TestClient, runtime: Runtime) -> None:
    staff = api_token(runtime, Role.VENDOR_ADMIN)
    tenant_id = create_tenant(client, staff)
    admin = api_token(runtime, Role.TENANT_ADMIN, tenant_id)
    member = api_token(runtime, Role.TENANT_MEMBER, tenant_id)
    base = f"/api/v1/tenants/{tenant_id}/sharing"

    listed = client.get(base, headers=auth(member))
    assert listed.status_code == 200
    [partner] = listed.json()["items"]
    assert (partner["recipient_id"], partner["opted_in"], partner["opted_in_at"]) == (
        "zendesk_marketplace",
        False,
        None,
    )
    assert partner["categories"] == ["business_details", "contact_information"]

    for token, status in ((member, 403), (staff, 403)):
        refused = client.put(f"{base}/zendesk_marketplace", headers=auth(token))
        assert refused.status_code == status, refused.text
    assert client.put(f"{base}/stripe", headers=auth(admin)).status_code == 404  # a sub-processor, not a partner
    unknown = client.put(f"{base}/acme_ads", headers=auth(admin))
    assert unknown.status_code == 404
    assert unknown.json()["detail"] == "partner 'acme_ads' is not declared in the privacy policy"

    opted = client.put(f"{base}/zendesk_marketplace", headers=auth(admin))
    assert opted.status_code == 200, opted.text
    assert opted.json()["opted_in"] is True
    again = client.put(f"{base}/zendesk_marketplace", headers=auth(admin))
    assert again.json()["opted_in_at"] == opted.json()["opted_in_at"]  # opting in twice keeps the first
    assert client.get(base, headers=auth(staff)).json()["items"][0]["opted_in"] is True

    assert client.delete(f"{base}/zendesk_marketplace", headers=auth(member)).status_code == 403
    assert client.delete(f"{base}/zendesk_marketplace", headers=auth(admin)).status_code == 204
    assert client.delete(f"{base}/zendesk_marketplace", headers=auth(admin)).status_code == 204
    assert client.get(base, headers=auth(admin)).json()["items"][0]["opted_in"] is False

    with runtime.transaction() as session:
        names = session.scalars(
            select(AuditEvent.name).where(AuditEvent.name.like("disclosures:sharing:%")).order_by(AuditEvent.seq)
        ).all()
    assert names == ["disclosures:sharing:opted_in", "disclosures:sharing:opt_in_withdrawn"]
