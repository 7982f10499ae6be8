"""Production mode: a job sent by this process runs in a separate `omniwise worker` on Redis or RabbitMQ."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from omniwise.config import Settings
from omniwise.runtime import build_runtime
from omniwise.worker import JobStatus, enqueue
from omniwise.worker.process import BackgroundJobs
from tests.worker.helpers import marks, wait_for_status

BROKERS = {
    "redis": os.environ.get("OMNIWISE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
    "rabbitmq": os.environ.get("OMNIWISE_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/"),
}


def _answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(params=sorted(BROKERS))
def broker_settings(request: pytest.FixtureRequest, settings: Settings) -> Settings:
    url = BROKERS[str(request.param)]
    if not _answers(url):
        pytest.skip(f"{request.param} not reachable at {urlsplit(url).netloc}; broker test skipped")
    # a queue of its own, so that parallel runs on one broker never take each other's messages
    return settings.model_copy(update={"broker_url": url, "worker_queue": f"omniwise_test_{secrets.token_hex(6)}"})


@pytest.fixture
def worker_process(broker_settings: Settings, tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIWISE_")}
    env.update(
        OMNIWISE_DATA_DIR=str(broker_settings.data_dir),
        OMNIWISE_DATABASE_URL=broker_settings.resolved_database_url,
        OMNIWISE_KEYSTORE_URL=broker_settings.resolved_keystore_url,
        OMNIWISE_BROKER_URL=str(broker_settings.broker_url),
        OMNIWISE_WORKER_QUEUE=broker_settings.worker_queue,
        OMNIWISE_ENVIRONMENT="test",
    )
    log = (tmp_path / "worker.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "omniwise", "worker", "--threads", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    log.close()


@pytest.mark.broker
def test_a_job_runs_in_a_separate_worker_process(
    broker_settings: Settings, worker_process: subprocess.Popen[str], tmp_path: Path
) -> None:
    runtime = build_runtime(broker_settings)
    try:
        # this process only sends, like `omniwise serve` in production
        with BackgroundJobs(runtime, consume=False, reconcile=False):
            with runtime.transaction() as session:
                job_id = enqueue(session, "audit.verify_chain", args={}).id
            job = wait_for_status(runtime, job_id, JobStatus.SUCCEEDED, JobStatus.DEAD, timeout=60)
        log = (tmp_path / "worker.log").read_text()
        assert job.status == JobStatus.SUCCEEDED, log
        assert job.attempts == 1
        assert marks(runtime) == 1  # the worker's effect is in the shared database
    finally:
        runtime.dispose()
    worker_process.send_signal(signal.SIGTERM)
    assert worker_process.wait(30) == 0
    assert "stopped" in (tmp_path / "worker.log").read_text()


@pytest.mark.broker
def test_the_worker_refuses_to_start_without_a_broker(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIWISE_")}
    env["OMNIWISE_DATA_DIR"] = str(tmp_path / "empty")
    result = subprocess.run(
        [sys.executable, "-m", "omniwise", "worker"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "OMNIWISE_BROKER_URL is not set" in result.stderr
