"""Disconnecting a Zendesk account: syncing stops, secrets are deleted at once, the mirror's clock starts."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from omniwise.audit.models import AuditEvent
from omniwise.auth.roles import Role
from omniwise.errors import Conflict
from omniwise.kit.clock import utcnow
from omniwise.zendesk.foreground import sync_in_foreground
from omniwise.zendesk.models import (
    ZendeskConnection,
    ZendeskOAuthFlow,
    ZendeskSyncCursor,
    ZendeskSyncRun,
    ZendeskTicket,
    ZendeskWebhookEvent,
)
from tests.factories import api_token, auth
from tests.zendesk.helpers import OPERATOR, Connected, sync_now
from tests.zendesk.test_webhooks import deliver, event, ticket_detail


def _connection(connected: Connected) -> ZendeskConnection:
    with connected.runtime.transaction() as session:
        row = session.get(ZendeskConnection, uuid.UUID(connected.connection_id))
        assert row is not None
        session.expunge(row)
        return row


def _count(connected: Connected, model: type, *where: object) -> int:
    with connected.runtime.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


def test_a_tenant_admin_disconnects_and_the_secrets_go_at_once(connected: Connected) -> None:
    client, runtime = connected.client, connected.runtime
    tenant_id = uuid.UUID(connected.tenant_id)
    connection_id = uuid.UUID(connected.connection_id)
    sync_now(connected)
    tickets = _count(connected, ZendeskTicket, ZendeskTicket.connection_id == connection_id)
    assert tickets > 0
    with runtime.transaction() as session:
        # an authorisation someone started and never finished, and a sync still running
        session.add(
            ZendeskOAuthFlow(
                id=uuid.uuid4(),
                tenant_id=tenant_id,
                connection_id=connection_id,
                state_hash="0" * 64,
                code_verifier_ct=b"sealed",
                redirect_url="https://platform.example/callback",
                expires_at=utcnow() + timedelta(minutes=5),
            )
        )
        session.add(
            ZendeskSyncRun(
                id=uuid.uuid4(), tenant_id=tenant_id, connection_id=connection_id, mode="job", status="running"
            )
        )
    url = f"{connected.base}/connections/{connection_id}/disconnect"
    member = api_token(runtime, Role.TENANT_MEMBER, tenant_id)
    assert client.post(url, headers=auth(member)).status_code == 403
    admin = api_token(runtime, Role.TENANT_ADMIN, tenant_id)

    response = client.post(url, headers=auth(admin))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "disconnected"
    assert body["disconnected_at"] is not None
    with runtime.engine.connect() as db:
        secrets = db.execute(
            text("SELECT credentials_ct, webhook_secret_ct, app_installation_id FROM zendesk_connections")
        ).one()
    assert tuple(secrets) == (None, None, None)
    assert _count(connected, ZendeskOAuthFlow) == 0
    assert _count(connected, ZendeskSyncCursor) == 0  # a later connection syncs from the start
    assert _count(connected, ZendeskSyncRun, ZendeskSyncRun.status == "running") == 0
    # the mirror stays until the policy's period has passed (the retention sweep deletes it)
    assert _count(connected, ZendeskTicket, ZendeskTicket.connection_id == connection_id) == tickets
    with runtime.transaction() as session:
        audited = session.scalars(select(AuditEvent).where(AuditEvent.name == "zendesk:connection:disconnected"))
        assert [e.object_id for e in audited] == [str(connection_id)]

    # again: nothing changes, the clock is not restarted
    again = client.post(url, headers=auth(admin))
    assert again.status_code == 200
    assert again.json()["disconnected_at"] == body["disconnected_at"]

    # no more syncing, from the API or the command line; no more deliveries
    refused = client.post(f"{connected.base}/connections/{connection_id}/sync", headers=auth(admin))
    assert refused.status_code == 409
    assert "disconnected" in refused.json()["detail"]
    with pytest.raises(Conflict, match="disconnected"):
        sync_in_foreground(runtime, connection_id=connection_id, actor=OPERATOR)
    now = utcnow().timestamp()
    delivery = deliver(
        connected, event("ticket.created", "zen:ticket:9", ticket_detail(9, 1, at=now, status="new", subject="s"))
    )
    assert delivery.status_code == 410
    assert _count(connected, ZendeskWebhookEvent) == 0


def test_connecting_again_stops_the_clock_and_syncs_from_the_start(connected: Connected) -> None:
    client, sandbox = connected.client, connected.sandbox
    sync_now(connected)
    base = f"{connected.base}/connections"
    assert client.post(f"{base}/{connected.connection_id}/disconnect", headers=auth(connected.admin)).status_code == 200
    body = {
        "subdomain": sandbox.config.subdomain,
        "base_url": sandbox.base_url,
        "auth": {"type": "api_token", "email": sandbox.config.email, "token": sandbox.config.api_token},
        "webhook_secret": "a-new-webhook-secret",
    }
    again = client.post(base, json=body, headers=auth(connected.admin))
    assert again.status_code == 201, again.text
    assert again.json()["id"] == connected.connection_id
    assert (again.json()["status"], again.json()["disconnected_at"]) == ("active", None)
    assert client.post(base, json=body, headers=auth(connected.admin)).status_code == 409  # connected now
    connection = _connection(connected)
    assert connection.disconnected_at is None
    assert connection.credentials_ct is not None
    progress = sync_now(connected)
    assert progress.counts.get("tickets", 0) > 0  # every stream from its beginning
