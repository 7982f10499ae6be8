"""The command line as a newcomer uses it: configuration errors, keys, audit, serve."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.cli.helpers import free_port, run_cli


def test_bad_configuration_is_one_clear_line(tmp_path: Path) -> None:
    cases = {
        "OMNIWISE_DATABASE_URL": "mysql://localhost/db",
        "OMNIWISE_BROKER_URL": "kafka://x",
        "OMNIWISE_MAX_BODY_BYTES": "lots",
    }
    for variable, value in cases.items():
        result = run_cli(["db", "upgrade"], tmp_path / "var", env={variable: value})
        assert result.returncode == 2, result.stderr
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("omniwise: configuration error: ")
        assert variable in lines[0]
    file_as_dir = tmp_path / "file"
    file_as_dir.write_text("x")
    result = run_cli(["db", "upgrade"], file_as_dir)
    assert result.returncode == 2
    assert "OMNIWISE_DATA_DIR" in result.stderr


def test_apikey_token_is_the_last_line_and_audit_verifies(tmp_path: Path) -> None:
    data = tmp_path / "var"
    upgraded = run_cli(["db", "upgrade"], data)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "key service" in upgraded.stderr  # the first-run warning about the local key file
    created = run_cli(["apikeys", "create", "--role", "vendor-admin", "--name", "ops"], data)
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("ow_")
    assert (data / "master.key").stat().st_mode & 0o777 == 0o600

    missing_tenant = run_cli(["apikeys", "create", "--role", "tenant-admin", "--name", "x"], data)
    assert missing_tenant.returncode == 1
    assert "needs --tenant" in missing_tenant.stderr

    verified = run_cli(["audit", "verify"], data)
    assert verified.returncode == 0
    assert "intact" in verified.stdout

    import sqlite3

    with sqlite3.connect(data / "omniwise.db") as db:
        db.execute("UPDATE audit_events SET actor_id = 'forged' WHERE seq = 1")
    broken = run_cli(["audit", "verify"], data)
    assert broken.returncode == 1
    assert "event 1" in broken.stderr

    rotated = run_cli(["keys", "rotate-master"], data)
    assert rotated.returncode == 0, rotated.stderr
    assert "1 old master key(s) retired" in rotated.stdout


def test_serve_upgrades_itself_and_answers(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIWISE_")}
    env["OMNIWISE_DATA_DIR"] = str(tmp_path / "var")
    process = subprocess.Popen(
        [sys.executable, "-m", "omniwise", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        status = None
        while time.monotonic() < deadline:
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code
                if status == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        assert status == 200
        spec = httpx.get(f"http://127.0.0.1:{port}/openapi.json").json()
        for path in ("/api/v1/tenants", "/api/v1/tenants/{tenant_id}/contacts/{contact_id}", "/health"):
            assert path in spec["paths"]
        token = run_cli(
            ["apikeys", "create", "--role", "vendor-admin", "--name", "t"], tmp_path / "var"
        ).stdout.splitlines()[-1]
        created = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/tenants",
            json={"name": "Acme", "address": "1 Road", "industry": "retail", "region": "eu"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code == 201
        assert "id" in created.json()
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    assert "POST /api/v1/tenants 201" in output
