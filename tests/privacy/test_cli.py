"""`omniwise requests open | list | show`, through Typer's runner against the test database."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from omniwise.cli.main import app
from omniwise.config import Settings


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNIWISE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("OMNIWISE_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("OMNIWISE_KEYSTORE_URL", settings.resolved_keystore_url)
    monkeypatch.setenv("OMNIWISE_ENVIRONMENT", "test")


def test_open_list_and_show(cli_env: None) -> None:
    runner = CliRunner()
    opened = runner.invoke(
        app,
        ["requests", "open", "--type", "opt_out", "--email", "cli.person@example.org", "--verified-by", "phone call"],
    )
    assert opened.exit_code == 0, opened.output
    request_id, reference, status = opened.output.split()[:3]
    assert reference.startswith("PR-")
    assert status in {"received", "in_progress"}
    assert "@" not in opened.output
    listed = runner.invoke(app, ["requests", "list"])
    assert listed.exit_code == 0
    assert reference in listed.output
    assert runner.invoke(app, ["requests", "list", "--overdue"]).output.strip() == ""
    shown = runner.invoke(app, ["requests", "show", request_id])
    assert shown.exit_code == 0
    assert "step locate" in shown.output
    bad = runner.invoke(app, ["requests", "open", "--type", "nope", "--email", "cli.person@example.org"])
    assert bad.exit_code == 1
    assert "type:" in bad.output
