"""Fixtures for the Zendesk tests: a sandbox over real HTTP on loopback, a tenant connected to it, the job machinery."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from omniwise.runtime import Runtime
from omniwise.sandbox.server import SandboxServer
from omniwise.worker.process import BackgroundJobs
from tests.cli.helpers import free_port
from tests.zendesk.helpers import Connected, connect, sandbox_config


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
