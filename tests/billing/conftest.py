"""Fixtures for billing: the in-memory Stripe, a localstripe process, signed webhook deliveries, jobs run now."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from omniwise.app import create_app
from omniwise.billing.gateway import InMemoryStripeGateway, install_gateway
from omniwise.config import Settings
from omniwise.runtime import Runtime, build_runtime
from tests.billing.helpers import WEBHOOK_SECRET, Tenancy
from tests.billing.stripe_side import (
    LOCALSTRIPE_KEY,
    MEMORY_PRICE,
    PLAN,
    LocalstripeSide,
    MemorySide,
    StripeSide,
)
from tests.cli.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 20.0


def billing_settings(settings: Settings, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "stripe_gateway": "memory",
        "stripe_webhook_secret": SecretStr(WEBHOOK_SECRET),
        "stripe_prices": {PLAN: MEMORY_PRICE},
    }
    values.update(overrides)
    return settings.model_copy(update=values)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """Billing runs on the in-memory Stripe unless a test says otherwise."""
    rt = build_runtime(billing_settings(settings))
    yield rt
    rt.dispose()


@pytest.fixture
def stripe_memory(runtime: Runtime) -> InMemoryStripeGateway:
    gateway = InMemoryStripeGateway(prices={MEMORY_PRICE: 2900})
    install_gateway(runtime, gateway)
    return gateway


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """localstripe, a stateful Stripe fake, as a separate process on a loopback port; its base URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.billing.localstripe_server", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    reason = None
    while True:
        if process.poll() is not None:
            reason = f"localstripe exited with code {process.returncode} (log: {log})"
            break
        try:
            if httpx.get(f"{base}/v1/customers", auth=(LOCALSTRIPE_KEY, ""), timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            reason = f"localstripe did not answer on {base} within {STARTUP_SECONDS:.0f}s (log: {log})"
            break
        time.sleep(0.1)
    if reason is not None:
        process.kill()
        process.wait(10)
        pytest.skip(reason)
    yield base
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


@pytest.fixture(scope="session")
def localstripe_side(localstripe: str) -> LocalstripeSide:
    return LocalstripeSide(localstripe)


@pytest.fixture(params=["memory", "localstripe"])
def stripe_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def stripe_side(stripe_kind: str, request: pytest.FixtureRequest) -> StripeSide:
    """Stripe as the tests see it from outside: the in-memory one, or localstripe."""
    if stripe_kind == "memory":
        return MemorySide(InMemoryStripeGateway(prices={MEMORY_PRICE: 2900}))
    side: LocalstripeSide = request.getfixturevalue("localstripe_side")
    return side


@pytest.fixture
def any_stripe_runtime(settings: Settings, stripe_side: StripeSide) -> Iterator[Runtime]:
    """A runtime whose gateway is the in-memory Stripe or the real client talking to localstripe."""
    rt = build_runtime(billing_settings(settings, stripe_prices={PLAN: stripe_side.price_id}))
    install_gateway(rt, stripe_side.gateway)
    yield rt
    rt.dispose()


@pytest.fixture
def any_stripe_client(any_stripe_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(any_stripe_runtime), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def tenancy(client: TestClient, runtime: Runtime) -> Tenancy:
    return Tenancy(client, runtime)
