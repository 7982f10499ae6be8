"""The commands as a newcomer runs them: `omniwise sandbox zendesk` and `omniwise zendesk sync`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from omniwise.app import create_app
from omniwise.config import Settings
from omniwise.runtime import build_runtime
from omniwise.sandbox.server import SandboxServer
from tests.cli.helpers import free_port, run_cli
from tests.zendesk.helpers import connect


def test_the_sandbox_command_serves_a_seeded_zendesk() -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIWISE_")}
    command = [sys.executable, "-m", "omniwise", "sandbox", "zendesk", "--port", str(port), "--seed", "3"]
    process = subprocess.Popen(
        [*command, "--tickets", "7", "--users", "4", "--token", "sandbox-token"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60  # the command imports the whole platform; a busy machine is slow at it
        while True:
            try:
                info = httpx.get(f"{base}/sandbox/info", timeout=1).json()
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "the sandbox did not start"
                time.sleep(0.1)
        assert info["counts"]["tickets"] == 7
        auth = (f"{info['email']}/token", "sandbox-token")
        users = httpx.get(f"{base}/api/v2/incremental/users/cursor.json", params={"start_time": 0}, auth=auth)
        assert users.status_code == 200
        assert len(users.json()["users"]) == 4 + 5  # customers and agents
        assert httpx.get(f"{base}/api/v2/users/me.json", auth=(auth[0], "wrong")).status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=20)
    assert "api token: sandbox-token" in out
    assert f"http://127.0.0.1:{port}" in out


def test_the_sync_command_shows_progress_and_a_summary(tmp_path: Path, sandbox: SandboxServer) -> None:
    data = tmp_path / "var"
    assert run_cli(["db", "upgrade"], data).returncode == 0
    runtime = build_runtime(Settings(data_dir=data))
    try:
        with TestClient(create_app(runtime)) as client:
            connected = connect(client, runtime, sandbox)
    finally:
        runtime.dispose()

    first = run_cli(["zendesk", "sync", connected.connection_id], data, timeout=120)
    assert first.returncode == 0, first.stderr
    tickets = len(sandbox.sandbox.store.tickets)
    assert f"{tickets}/{tickets}" in first.stdout  # the progress bar, finished
    assert "succeeded" in first.stdout
    assert "tickets with comments synced" in first.stdout
    assert "API requests" in first.stdout

    again = run_cli(["zendesk", "sync", connected.connection_id], data, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "succeeded" in again.stdout

    missing = run_cli(["zendesk", "sync", str(uuid.uuid4())], data)
    assert missing.returncode == 1
    assert "does not exist" in missing.stderr
