"""The portal's Zendesk pages: connecting the sandbox, starting a sync and following it, members kept to reading."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from omniwise.app import create_app
from omniwise.auth.roles import Role
from omniwise.config import Settings
from omniwise.runtime import Runtime, build_runtime
from omniwise.sandbox.server import SandboxServer
from omniwise.worker.process import BackgroundJobs
from tests.cli.helpers import free_port
from tests.factories import api_token, create_tenant, create_zendesk_connection, person
from tests.web.helpers import csrf_of, post_form, sign_in
from tests.zendesk.helpers import sandbox_config, wait_until

CONNECTION_PATH = re.compile(r"^/portal/zendesk/([0-9a-f-]{36})$")


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(sandbox_config(), port=free_port()) as server:
        yield server


@pytest.fixture
def tenant(client: TestClient, runtime: Runtime) -> uuid.UUID:
    tenant = create_tenant(client, api_token(runtime, Role.VENDOR_ADMIN), name="Acme Ltd")
    person(runtime, Role.TENANT_ADMIN, "admin@acme.example", tenant_id=tenant)
    person(runtime, Role.TENANT_MEMBER, "member@acme.example", tenant_id=tenant)
    return tenant


def _connect(client: TestClient, sandbox: SandboxServer, **changes: str) -> str:
    form = {
        "subdomain": sandbox.config.subdomain,
        "base_url": sandbox.base_url,
        "method": "api_token",
        "email": sandbox.config.email,
        "token": sandbox.config.api_token,
        "webhook_secret": "a-long-webhook-secret",
        "plan": "professional",
        **changes,
    }
    return post_form(client, "/portal/zendesk/connect", "/portal/zendesk/connect", form).headers.get("location", "")


def test_an_admin_connects_the_sandbox_and_watches_the_sync_finish(
    client: TestClient, runtime: Runtime, tenant: uuid.UUID, sandbox: SandboxServer
) -> None:
    sign_in(client, "admin@acme.example")
    assert "No Zendesk account is connected yet" in client.get("/portal/zendesk").text
    page = client.get("/portal/zendesk/connect")
    assert 'name="webhook_secret" type="text" value="' in page.text  # a secret is proposed
    assert "OAuth is not set up on this platform" in page.text

    wrong = post_form(
        client,
        "/portal/zendesk/connect",
        "/portal/zendesk/connect",
        {"subdomain": "Not a subdomain!", "method": "api_token", "email": "nobody", "token": "secret-token"},
    )
    assert wrong.status_code == 422
    assert 'id="error-email"' in wrong.text
    assert 'id="error-subdomain"' not in wrong.text  # the sign-in fields are checked first
    assert "secret-token" not in wrong.text  # a token typed is never sent back

    location = _connect(client, sandbox)
    found = CONNECTION_PATH.match(location)
    assert found, location
    connection_id = found.group(1)
    page = client.get(location)
    assert "This account has not been synced yet." in page.text
    assert f"/webhooks/zendesk/{connection_id}" in page.text
    again = post_form(
        client,
        "/portal/zendesk/connect",
        "/portal/zendesk/connect",
        {
            "subdomain": sandbox.config.subdomain,
            "method": "api_token",
            "email": sandbox.config.email,
            "token": "t",
            "webhook_secret": "a-long-webhook-secret",
        },
    )
    assert again.status_code == 409
    assert "already connected the Zendesk account" in again.text

    token = csrf_of(page.text)
    htmx = {"hx-request": "true", "x-csrf-token": token}
    with BackgroundJobs(runtime, consume=True, reconcile=False):
        started = client.post(f"/portal/zendesk/{connection_id}/sync", headers=htmx)
        assert started.status_code == 200
        assert started.text.lstrip().startswith('<div id="sync-panel"')
        assert 'hx-trigger="every 1s"' in started.text  # htmx asks again while it runs
        assert "The sync has started." in started.text

        def finished() -> bool:
            return "Sync finished" in client.get(f"/portal/zendesk/{connection_id}/sync", headers=htmx).text

        wait_until(finished, timeout=60)
    panel = client.get(f"/portal/zendesk/{connection_id}/sync", headers=htmx).text
    assert "hx-trigger" not in panel  # a finished sync stops the polling
    assert '<progress id="sync-progress" max="3" value="3">' in panel
    assert "Sync again" in panel
    listing = client.get("/portal/zendesk").text
    assert "succeeded" in listing
    # without script, the panel's address sends the browser to the whole page
    assert client.get(f"/portal/zendesk/{connection_id}/sync", follow_redirects=False).status_code == 303


def test_members_read_but_do_not_connect_or_sync(client: TestClient, runtime: Runtime, tenant: uuid.UUID) -> None:
    connection_id = create_zendesk_connection(client, api_token(runtime, Role.TENANT_ADMIN, tenant), tenant)
    sign_in(client, "member@acme.example")
    listing = client.get("/portal/zendesk")
    assert listing.status_code == 200
    assert "Connect a Zendesk account" not in listing.text
    assert client.get("/portal/zendesk/connect").status_code == 403
    page = client.get(f"/portal/zendesk/{connection_id}")
    assert page.status_code == 200
    assert "Start a sync" not in page.text
    refused = post_form(client, f"/portal/zendesk/{connection_id}", f"/portal/zendesk/{connection_id}/sync", {})
    assert refused.status_code == 403
    assert "may not zendesk manage" in refused.text
    assert post_form(client, "/portal/zendesk", "/portal/zendesk/connect", {"subdomain": "x"}).status_code == 403


def test_another_businesss_connection_is_not_found(client: TestClient, runtime: Runtime, tenant: uuid.UUID) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    other = create_tenant(client, admin, name="Globex")
    theirs = create_zendesk_connection(client, admin, other)
    sign_in(client, "admin@acme.example")
    assert client.get(f"/portal/zendesk/{theirs}").status_code == 404
    assert client.get(f"/portal/zendesk/{theirs}/sync", headers={"hx-request": "true"}).status_code == 404
    refused = post_form(client, "/portal/zendesk", f"/portal/zendesk/{theirs}/sync", {})
    assert refused.status_code == 404
    assert f"zendesk connection {theirs} does not exist" in refused.text


def test_oauth_sends_the_admin_to_zendesk_by_a_link(settings: Settings, sandbox: SandboxServer) -> None:
    config = sandbox.config
    oauth = settings.model_copy(
        update={
            "zendesk_oauth_client_id": config.oauth_client_id,
            "zendesk_oauth_client_secret": config.oauth_client_secret,
            "zendesk_oauth_redirect_url": "http://127.0.0.1:8000/api/v1/zendesk/oauth/callback",
        }
    )
    runtime = build_runtime(oauth)
    try:
        with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
            tenant = create_tenant(client, api_token(runtime, Role.VENDOR_ADMIN))
            person(runtime, Role.TENANT_ADMIN, "admin@acme.example", tenant_id=tenant)
            sign_in(client, "admin@acme.example")
            assert "OAuth is not set up" not in client.get("/portal/zendesk/connect").text
            page = post_form(
                client,
                "/portal/zendesk/connect",
                "/portal/zendesk/connect",
                {"subdomain": "acme", "base_url": sandbox.base_url, "method": "oauth", "webhook_secret": "s" * 20},
            )
            assert page.status_code == 200
            link = re.search(r'<a class="button" href="([^"]+)">Continue to Zendesk</a>', page.text)
            assert link is not None
            assert link.group(1).startswith(f"{sandbox.base_url}/oauth/authorizations/new?")
            assert "code_challenge_method=S256" in link.group(1)
            assert "pending authorization" in client.get("/portal/zendesk").text
    finally:
        runtime.dispose()
