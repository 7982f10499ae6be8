"""Helpers for the Zendesk tests: sandbox settings, connecting a tenant, serving the platform, bounded waits."""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jwt
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from omniwise.app import create_app
from omniwise.auth.actor import Actor
from omniwise.auth.roles import Role
from omniwise.runtime import Runtime
from omniwise.sandbox.emulator import SandboxConfig
from omniwise.sandbox.seed import SeedSizes
from omniwise.sandbox.server import SandboxServer
from omniwise.tenants.models import Tenant
from omniwise.worker.process import BackgroundJobs
from omniwise.zendesk import repository
from omniwise.zendesk.client import ZendeskApi
from omniwise.zendesk.connections import client_for
from omniwise.zendesk.foreground import Progress, sync_in_foreground
from omniwise.zendesk.models import ZendeskConnection
from tests.cli.helpers import free_port
from tests.factories import api_token, auth, create_tenant

SMALL = SeedSizes(organizations=4, users=15, agents=2, tickets=60)


def sandbox_config(**overrides: object) -> SandboxConfig:
    """Fast defaults: no export lag (so a change syncs at once) and limits no test reaches by accident."""
    values: dict[str, object] = {
        "sizes": SMALL,
        "export_lag_seconds": 0.0,
        "rate_limit": 5000,
        "incremental_limit": 1000,
        "seed": 7,
        "api_token": secrets.token_urlsafe(16),
    }
    values.update(overrides)
    return SandboxConfig(**values)  # type: ignore[arg-type]


@dataclass
class Connected:
    client: TestClient
    runtime: Runtime
    admin: str
    tenant_id: str
    connection_id: str
    webhook_secret: str
    sandbox: SandboxServer

    @property
    def base(self) -> str:
        return f"/api/v1/tenants/{self.tenant_id}/zendesk"


def connect(client: TestClient, runtime: Runtime, sandbox: SandboxServer, **extra: object) -> Connected:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    tenant_id = str(create_tenant(client, admin))
    secret = secrets.token_urlsafe(24)
    body: dict[str, object] = {
        "subdomain": sandbox.config.subdomain,
        "base_url": sandbox.base_url,
        "auth": {"type": "api_token", "email": sandbox.config.email, "token": sandbox.config.api_token},
        "webhook_secret": secret,
        **extra,
    }
    response = client.post(f"/api/v1/tenants/{tenant_id}/zendesk/connections", json=body, headers=auth(admin))
    assert response.status_code == 201, response.text
    return Connected(client, runtime, admin, tenant_id, response.json()["id"], secret, sandbox)


class LivePlatform:
    """The platform served over real HTTP on loopback, so the sandbox can deliver webhooks to it."""

    def __init__(self, runtime: Runtime) -> None:
        self.port = free_port()
        self.jobs = BackgroundJobs(runtime, consume=True, reconcile=False)
        app = create_app(runtime, on_startup=self.jobs.start, on_shutdown=self.jobs.stop)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="live-platform", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LivePlatform:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise AssertionError("the platform did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def wait_until(condition: object, timeout: float = 10.0, interval: float = 0.05) -> None:
    """Poll `condition()` until it is true; fail after `timeout` seconds."""
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout}s: {getattr(condition, '__name__', condition)}")
        time.sleep(interval)


OPERATOR = Actor(kind="system", id="test", role=None)


def sync_now(connected: Connected) -> Progress:
    """Sync the connection in the foreground, as `omniwise zendesk sync` does."""
    progress = sync_in_foreground(connected.runtime, connection_id=uuid.UUID(connected.connection_id), actor=OPERATOR)
    assert progress.status == "succeeded", progress.error
    return progress


@contextlib.contextmanager
def zendesk_session(connected: Connected) -> Iterator[tuple[Session, ZendeskConnection, ZendeskApi, Tenant]]:
    """A transaction with the connection, its API client and its tenant, for calling services directly."""
    runtime = connected.runtime
    with runtime.transaction() as session:
        connection = repository.connection_by_id(session, connection_id=uuid.UUID(connected.connection_id))
        tenant = session.get(Tenant, uuid.UUID(connected.tenant_id))
        assert connection is not None
        assert tenant is not None
        with client_for(session, runtime.keyring, runtime.settings, connection) as api:
            yield session, connection, api, tenant


INSTALLATION = 4711
ACCOUNT = "https://acme.zendesk.com"


@dataclass
class SignedApp:
    client: TestClient
    runtime: Runtime
    private_pem: bytes
    public_pem: str
    tenant_id: str
    connection_id: str

    def token(self, **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": "acme.zendesk.com",
            "aud": f"{ACCOUNT}/api/v2/apps/installations/{INSTALLATION}.json",
            "iat": now,
            "exp": now + 300,
            "sub": "9001",
        }
        claims.update(overrides)
        return jwt.encode(claims, self.private_pem, algorithm="RS256")


def rsa_pair() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public.decode()
