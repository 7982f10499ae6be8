"""Fixtures for the Zendesk tests: a sandbox over real HTTP on loopback, a tenant connected to it, the job machinery."""

from __future__ import annotations

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
from tests.factories import api_token, auth, create_tenant
from tests.zendesk.helpers import INSTALLATION, Connected, SignedApp, connect, rsa_pair, sandbox_config


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(sandbox_config(), port=free_port()) as server:
        yield server


@pytest.fixture
def connected(client: TestClient, runtime: Runtime, sandbox: SandboxServer) -> Connected:
    return connect(client, runtime, sandbox)


@pytest.fixture
def jobs(runtime: Runtime) -> Iterator[BackgroundJobs]:
    machinery = BackgroundJobs(runtime, consume=True, reconcile=False)
    machinery.start()
    yield machinery
    machinery.stop()


@pytest.fixture
def signed_app(settings: Settings) -> Iterator[SignedApp]:
    private, public = rsa_pair()
    runtime = build_runtime(settings.model_copy(update={"zendesk_app_public_key": public}))
    try:
        with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
            admin = api_token(runtime, Role.VENDOR_ADMIN)
            tenant_id = create_tenant(client, admin)
            created = client.post(
                f"/api/v1/tenants/{tenant_id}/zendesk/connections",
                json={
                    "subdomain": "acme",
                    "auth": {"type": "api_token", "email": "admin@acme.example", "token": "t"},
                    "webhook_secret": "webhook-secret",
                    "app_installation_id": INSTALLATION,
                },
                headers=auth(admin),
            )
            assert created.status_code == 201, created.text
            yield SignedApp(client, runtime, private, public, str(tenant_id), created.json()["id"])
    finally:
        runtime.dispose()
