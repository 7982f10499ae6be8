"""THE KILL TEST: a real worker process killed at every step of a request resumes and finishes the same, once.

For each step a worker (`omniwise worker` on Redis) is started with OMNIWISE_FAULT_AT naming
that step's fault point, so it exits like a kill -9 just before the step's transaction
commits. Once its lease has run out (made to run out at once here), a new worker takes the
job over and the request completes with the same report as a request nobody killed, and
exactly one completion event.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from omniwise.auth.actor import SYSTEM
from omniwise.config import Settings
from omniwise.contacts.schemas import ContactCreate
from omniwise.contacts.service import create_contact
from omniwise.kit.clock import utcnow
from omniwise.kit.faults import EXIT_CODE
from omniwise.privacy.models import PrivacyRequest
from omniwise.privacy.service import open_request
from omniwise.runtime import Runtime, build_runtime
from omniwise.tenants.schemas import TenantCreate
from omniwise.tenants.service import create_tenant
from omniwise.worker.models import Job
from omniwise.worker.process import BackgroundJobs
from tests.privacy.helpers import events

REDIS = os.environ.get("OMNIWISE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CASES = [
    ("deletion", "locate"),
    ("deletion", "erase"),
    ("deletion", "report"),
    ("deletion", "notify"),
    ("access", "locate"),
    ("access", "archive"),
]


def _redis_answers() -> bool:
    parts = urlsplit(REDIS)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def broker_settings(settings: Settings) -> Settings:
    if not _redis_answers():
        pytest.skip(f"Redis not reachable at {urlsplit(REDIS).netloc}; kill test skipped")
    return settings.model_copy(update={"broker_url": REDIS, "worker_queue": f"omniwise_test_{secrets.token_hex(6)}"})


def _worker(settings: Settings, log: Path, fault: str | None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIWISE_")}
    env.update(
        OMNIWISE_DATA_DIR=str(settings.data_dir),
        OMNIWISE_DATABASE_URL=settings.resolved_database_url,
        OMNIWISE_KEYSTORE_URL=settings.resolved_keystore_url,
        OMNIWISE_BROKER_URL=str(settings.broker_url),
        OMNIWISE_WORKER_QUEUE=settings.worker_queue,
        OMNIWISE_ENVIRONMENT="test",
        OMNIWISE_RECONCILE_SECONDS="1",
        OMNIWISE_RECONCILE_GRACE_SECONDS="1",
    )
    if fault:
        env["OMNIWISE_FAULT_AT"] = fault
    handle = log.open("a")
    return subprocess.Popen(
        [sys.executable, "-m", "omniwise", "worker", "--threads", "1"], env=env, stdout=handle, stderr=subprocess.STDOUT
    )


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


def _open(runtime: Runtime, request_type: str, email: str) -> uuid.UUID:
    with runtime.transaction() as session:
        tenant = create_tenant(
            session,
            runtime.keyring,
            actor=SYSTEM,
            data=TenantCreate(name="Acme", address="1 High Street", industry="retail", region="eu"),
        )
        create_contact(
            session, runtime.keyring, actor=SYSTEM, tenant=tenant, data=ContactCreate(name="Ada", email=email)
        )
        request = open_request(
            session,
            runtime,
            type=request_type,
            email=email,
            tenant_id=tenant.id,
            jurisdiction="gdpr",
            channel="cli",
            actor=SYSTEM,
            verified_by="identity document seen",
        )
        return request.id


def _wait_closed(runtime: Runtime, request_id: uuid.UUID, timeout: float = 90.0) -> PrivacyRequest:
    deadline = time.monotonic() + timeout
    while True:
        with runtime.transaction() as session:
            request = session.get(PrivacyRequest, request_id)
            assert request is not None
            session.expunge(request)
        if request.status in ("completed", "refused") or time.monotonic() > deadline:
            return request
        time.sleep(0.2)


def _report(request: PrivacyRequest) -> list[tuple[Any, ...]]:
    """The report's lines, whole. A key destroyed in the key store (its own database, committed on
    its own) stays destroyed when the step's data transaction is killed; the step run again still
    reports it as destroyed by this erasure, so nothing of the report differs from a run nobody killed."""
    return sorted(
        (
            line["contribution"],
            line["category"],
            line["action"],
            line["where"],
            line["count"],
            line["reason"],
            line["until"],
        )
        for line in request.report or []
    )


@pytest.fixture
def shared(broker_settings: Settings) -> Iterator[Runtime]:
    runtime = build_runtime(broker_settings)
    machinery = BackgroundJobs(runtime, consume=False, reconcile=False)
    machinery.start()
    yield runtime
    machinery.stop()
    runtime.dispose()


@pytest.mark.broker
@pytest.mark.parametrize(("request_type", "step"), CASES)
def test_a_worker_killed_at_a_step_resumes_and_completes_once(
    broker_settings: Settings, shared: Runtime, tmp_path: Path, request_type: str, step: str
) -> None:
    log = tmp_path / "worker.log"
    killed = _open(shared, request_type, "killed.person@example.org")
    first = _worker(broker_settings, log, f"privacy.step.{step}.before_commit")
    try:
        assert first.wait(90) == EXIT_CODE, log.read_text()
    finally:
        _stop(first)
    with shared.transaction() as session:
        # the killed worker's lease would run out in its own time; here it runs out now
        session.execute(update(Job).where(Job.status == "running").values(lease_until=utcnow()))
        assert session.get(PrivacyRequest, killed) is not None
    second = _worker(broker_settings, log, None)
    try:
        resumed = _wait_closed(shared, killed)
        reference_id = _open(shared, request_type, "untouched.person@example.org")
        reference = _wait_closed(shared, reference_id)
    finally:
        _stop(second)
    assert resumed.status == "completed", log.read_text()[-2000:]
    assert reference.status == "completed"
    assert _report(resumed) == _report(reference)
    assert _report(resumed), "the report names what was done"
    assert events(shared, "privacy:request:completed", str(killed)) == 1
    with shared.transaction() as session:
        running = session.scalars(select(Job.id).where(Job.status == "dead")).all()
    assert running == []
