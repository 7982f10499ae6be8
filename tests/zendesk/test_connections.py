"""Connecting Zendesk accounts: API tokens and OAuth with PKCE, secrets sealed and never returned."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import text

from omniwise.app import create_app
from omniwise.auth.roles import Role
from omniwise.config import Settings
from omniwise.runtime import Runtime, build_runtime
from omniwise.sandbox.server import SandboxServer
from omniwise.zendesk import repository
from omniwise.zendesk.connections import client_for
from tests.factories import api_token, auth, create_tenant
from tests.zendesk.helpers import Connected


def test_api_token_connection_is_stored_sealed_and_never_returned(connected: Connected) -> None:
    client, token = connected.client, connected.sandbox.config.api_token
    read = client.get(f"{connected.base}/connections/{connected.connection_id}", headers=auth(connected.admin))
    assert read.status_code == 200
    body = read.json()
    assert body["status"] == "active"
    assert body["auth_type"] == "api_token"
    assert body["base_url"] == connected.sandbox.base_url
    listed = client.get(f"{connected.base}/connections", headers=auth(connected.admin))
    assert [c["id"] for c in listed.json()["items"]] == [connected.connection_id]
    for response in (read, listed):
        assert token not in response.text
        assert connected.webhook_secret not in response.text
    with connected.runtime.engine.connect() as db:
        raw = db.execute(text("SELECT credentials_ct, webhook_secret_ct FROM zendesk_connections")).one()
    assert token.encode() not in raw[0]
    assert connected.sandbox.config.email.encode() not in raw[0]
    assert connected.webhook_secret.encode() not in raw[1]


def test_connection_input_is_checked(client: TestClient, runtime: Runtime) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    tenant_id = create_tenant(client, admin)
    base = f"/api/v1/tenants/{tenant_id}/zendesk/connections"
    good = {
        "subdomain": "acme",
        "auth": {"type": "api_token", "email": "admin@acme.example", "token": "t0ken"},
        "webhook_secret": "s3cret-s3cret",
    }
    plain_http = client.post(base, json={**good, "base_url": "http://acme.example.com"}, headers=auth(admin))
    assert plain_http.status_code == 422
    assert "body.base_url" in plain_http.json()["detail"]
    assert (
        client.post(base, json={**good, "base_url": "https://acme.zendesk.com/x"}, headers=auth(admin)).status_code
        == 422
    )
    assert client.post(base, json={**good, "colour": "red"}, headers=auth(admin)).status_code == 422
    assert client.post(base, json={**good, "auth": {"type": "password"}}, headers=auth(admin)).status_code == 422
    created = client.post(base, json=good, headers=auth(admin))
    assert created.status_code == 201
    assert created.json()["base_url"] == "https://acme.zendesk.com"
    assert client.post(base, json=good, headers=auth(admin)).status_code == 409
    member = api_token(runtime, Role.TENANT_MEMBER, tenant_id)
    assert client.post(base, json={**good, "subdomain": "other"}, headers=auth(member)).status_code == 403
    assert client.get(base, headers=auth(member)).status_code == 200
    oauth_unconfigured = client.post(
        base, json={**good, "subdomain": "o", "auth": {"type": "oauth"}}, headers=auth(admin)
    )
    assert oauth_unconfigured.status_code == 503
    assert "OMNIWISE_ZENDESK_OAUTH_CLIENT_ID" in oauth_unconfigured.json()["detail"]


def test_oauth_with_pkce_and_rotating_refresh_tokens(settings: Settings, sandbox: SandboxServer) -> None:
    config = sandbox.config
    oauth_settings = settings.model_copy(
        update={
            "zendesk_oauth_client_id": config.oauth_client_id,
            "zendesk_oauth_client_secret": config.oauth_client_secret,
            "zendesk_oauth_redirect_url": "https://platform.example/api/v1/zendesk/oauth/callback",
        }
    )
    runtime = build_runtime(oauth_settings)
    try:
        with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
            admin = api_token(runtime, Role.VENDOR_ADMIN)
            tenant_id = create_tenant(client, admin)
            created = client.post(
                f"/api/v1/tenants/{tenant_id}/zendesk/connections",
                json={
                    "subdomain": config.subdomain,
                    "base_url": sandbox.base_url,
                    "auth": {"type": "oauth"},
                    "webhook_secret": "webhook-secret-1",
                },
                headers=auth(admin),
            )
            assert created.status_code == 201, created.text
            connection_id = uuid.UUID(created.json()["id"])
            assert created.json()["status"] == "pending_authorization"
            authorize = created.json()["authorize_url"]
            query = parse_qs(urlsplit(authorize).query)
            assert query["code_challenge_method"] == ["S256"]
            assert query["client_id"] == [config.oauth_client_id]

            # the admin allows the app; Zendesk sends the browser back to the platform with a code
            redirect = httpx.get(authorize, follow_redirects=False)
            assert redirect.status_code == 302
            back = parse_qs(urlsplit(redirect.headers["location"]).query)
            forged = client.get(
                "/api/v1/zendesk/oauth/callback", params={"code": back["code"][0], "state": "not-the-state"}
            )
            assert forged.status_code == 400
            done = client.get(
                "/api/v1/zendesk/oauth/callback", params={"code": back["code"][0], "state": back["state"][0]}
            )
            assert done.status_code == 200, done.text
            assert done.json()["status"] == "active"
            replay = client.get(
                "/api/v1/zendesk/oauth/callback", params={"code": back["code"][0], "state": back["state"][0]}
            )
            assert replay.status_code == 400

        with runtime.transaction() as session:
            connection = repository.connection_by_id(session, connection_id=connection_id)
            assert connection is not None
            before = connection.credentials_ct
            with client_for(session, runtime.keyring, runtime.settings, connection) as api:
                assert api.export_users(start_time=0).items
        assert config.oauth_client_secret not in done.text

        httpx.post(f"{sandbox.base_url}/sandbox/expire-tokens")
        with runtime.transaction() as session:
            connection = repository.connection_by_id(session, connection_id=connection_id)
            assert connection is not None
            with client_for(session, runtime.keyring, runtime.settings, connection) as api:
                assert api.export_users(start_time=0).items  # 401, refresh, retry
        assert len(sandbox.sandbox.retired_refresh_tokens) == 1
        with runtime.transaction() as session:
            connection = repository.connection_by_id(session, connection_id=connection_id)
            assert connection is not None
            assert connection.credentials_ct != before  # the rotated pair was stored
            with client_for(session, runtime.keyring, runtime.settings, connection) as api:
                assert api.ticket_count() > 0  # and works without another refresh
        assert len(sandbox.sandbox.retired_refresh_tokens) == 1
    finally:
        runtime.dispose()
