"""`omniwise users` as an operator runs it: create (password asked twice or read from stdin), list, disable."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from omniwise.cli.main import app
from omniwise.config import get_settings

CHEAP_HASHING = {"OMNIWISE_PASSWORD_HASH_MEMORY_KIB": "8192", "OMNIWISE_PASSWORD_HASH_TIME_COST": "1"}


def users(args: list[str], data_dir: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIWISE_")}
    env.update(CHEAP_HASHING, OMNIWISE_DATA_DIR=str(data_dir))
    return subprocess.run(
        [sys.executable, "-m", "omniwise", "users", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.fixture
def in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """The same commands in this process (starting Python for each would take seconds)."""
    for name in [k for k in os.environ if k.startswith("OMNIWISE_")]:
        monkeypatch.delenv(name)
    for name, value in {**CHEAP_HASHING, "OMNIWISE_DATA_DIR": str(tmp_path / "var")}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_a_staff_account_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "var"
    created = users(
        ["create", "--role", "vendor-admin", "--email", "ops@omniwise.example", "--name", "Ops", "--password-stdin"],
        data,
        stdin="correct horse battery staple\n",
    )
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("created user ")
    assert "authenticator app (TOTP)" in created.stdout
    assert "/login" in created.stdout
    listed = users(["list"], data)
    assert listed.returncode == 0, listed.stderr
    [line] = listed.stdout.splitlines()
    assert "vendor-admin" in line
    assert "no-totp" in line
    assert line.rstrip().endswith("ops@omniwise.example")


def test_prompts_refusals_and_disabling(in_process: CliRunner) -> None:
    def run(args: list[str], stdin: str = "") -> tuple[int, str]:
        result = in_process.invoke(app, ["users", *args], input=stdin)
        return result.exit_code, result.output

    code, out = run(["create", "--role", "support-agent", "--email", "agent@omniwise.example"], "a long password\n" * 2)
    assert code == 0, out
    assert "created user" in out
    code, out = run(["create", "--role", "support-agent", "--email", "x@omniwise.example"], "one long password\ntwo\n")
    assert code != 0
    assert "do not match" in out
    code, out = run(
        ["create", "--role", "privacy-officer", "--email", "AGENT@omniwise.example", "--password-stdin"], "x" * 12
    )
    assert code == 1
    assert "email: an account with that address already exists" in out
    code, out = run(["create", "--role", "tenant-admin", "--email", "t@example.org", "--password-stdin"], "x" * 12)
    assert code == 1
    assert "belongs to a tenant" in out
    code, out = run(["create", "--role", "vendor-admin", "--email", "nope", "--password-stdin"])
    assert code == 1
    assert "email: not a valid email address" in out
    code, out = run(["create", "--role", "vendor-admin", "--email", "s@example.org", "--password-stdin"], "short\n")
    assert code == 1
    assert "password: must be at least 12 characters" in out

    code, out = run(["disable", "agent@omniwise.example"])
    assert code == 0, out
    assert "disabled user" in out
    code, out = run(["list"])
    assert "disabled" in out
    code, out = run(["disable", "who@example.org"])
    assert code == 1
    assert "no account has that email address" in out
