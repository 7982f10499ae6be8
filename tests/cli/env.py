"""Running a command in-process (typer's CliRunner) against the databases of the test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from omniwise.config import Settings, get_settings


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point the in-process command at the test's databases (and forget the settings read before)."""
    monkeypatch.setenv("OMNIWISE_DATA_DIR", str(settings.data_dir))
    for name, value in (("DATABASE_URL", settings.database_url), ("KEYSTORE_URL", settings.keystore_url)):
        if value:
            monkeypatch.setenv(f"OMNIWISE_{name}", value)
        else:
            monkeypatch.delenv(f"OMNIWISE_{name}", raising=False)
    for name in ("POLICY_FILE", "SMTP_URL", "BROKER_URL"):
        monkeypatch.delenv(f"OMNIWISE_{name}", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
