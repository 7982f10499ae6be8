"""`omniwise retention` as an operator runs it: a dry run that explains itself, a real run, holds."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from omniwise.cli.main import app
from omniwise.config import Settings, get_settings
from omniwise.db import create_db_engine
from omniwise.migrate import upgrade_engine
from omniwise.runtime import build_runtime
from tests.cli.helpers import run_cli
from tests.retention.helpers import World, build_world

WIDE = {"COLUMNS": "400"}


def _squash(text: str) -> str:
    """The table's text without its borders and padding, for matching phrases across cells."""
    return " ".join(re.sub(r"[│┃┏┓┗┛━─┼┡┩╇┳┻┣┫╋└┘├┤┬┴┌┐]", " ", text).split())


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, World]]:
    """An embedded data directory with records of every kind; the command line's settings point at it."""
    data = tmp_path / "var"
    for tree, name in (("main", "omniwise.db"), ("keystore", "keystore.db")):
        engine = create_db_engine(f"sqlite:///{data / name}")
        upgrade_engine(tree, engine)
        engine.dispose()
    runtime = build_runtime(Settings(data_dir=data, environment="test"))
    try:
        world = build_world(runtime)
    finally:
        runtime.dispose()
    for variable in ("OMNIWISE_DATABASE_URL", "OMNIWISE_KEYSTORE_URL", "OMNIWISE_BROKER_URL"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("OMNIWISE_DATA_DIR", str(data))
    monkeypatch.setenv("COLUMNS", "400")
    get_settings.cache_clear()
    yield data, world
    get_settings.cache_clear()


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_a_dry_run_explains_itself_and_a_real_run_does_what_it_said(embedded: tuple[Path, World]) -> None:
    data, world = embedded
    code, out = _invoke(
        "retention",
        "hold",
        "add",
        "--tenant",
        str(world.closed_400_days),
        "--reason",
        "Case 2026-17",
        "--until",
        "2099-01-01",
    )
    assert code == 0, out
    hold = re.search(r"legal hold ([0-9a-f-]{36}) placed on tenant", out)
    assert hold is not None, out

    # as a separate process, the way an operator (or cron) runs it
    dry = run_cli(["retention", "run", "--dry-run"], data, env=WIDE)
    assert dry.returncode == 0, dry.stderr
    text = _squash(dry.stdout)
    assert "Dry run: nothing was changed" in text
    assert "contact_information P30D account_closed -> delete contacts.closed_accounts 3 would delete 1 2 0" in text
    assert f"2 kept by hold {hold.group(1)[:8]} on tenant {world.closed_400_days}: Case 2026-17" in text
    assert "usage_information P13M collected -> anonymize usage.events 3 would anonymise 3 0 0" in text
    # a rule nothing is stored for says why
    assert "customer_usage_data P13M collected -> anonymize - - - - 0 nothing to sweep: no table holds it" in text
    assert (
        "device_network_data P1Y collected -> delete - - - - 0 "
        "nothing to sweep: no record is kept as evidence of a security incident"
    ) in text
    assert "privacy_records P3Y request_closed -> delete privacy.requests 0 would delete 0 0 0" in text
    assert "messaging.suppressions" in text  # the opt-out exception has its own sweeper
    assert "not swept: no sweeper" not in text

    real = run_cli(["retention", "run"], data, env=WIDE)
    assert real.returncode == 0, real.stderr
    text = _squash(real.stdout)
    assert "contacts.closed_accounts 3 deleted 1 2 0" in text
    assert "devices.sightings 2 anonymised 2 0 0 " in text
    assert "completed" in text

    code, out = _invoke("retention", "run", "--dry-run", "--category", "contact_information")
    assert code == 0, out
    assert "contacts.closed_accounts 2 would delete 0 2 0" in _squash(out)
    assert "usage_information" not in out


def test_holds_are_placed_listed_and_released(embedded: tuple[Path, World]) -> None:
    _, world = embedded
    code, out = _invoke(
        "retention", "hold", "add", "--category", "cookies", "--reason", "Regulator inquiry", "--until", "2099-01-01"
    )
    assert code == 0, out
    hold_id = out.split()[2]
    code, out = _invoke("retention", "hold", "list")
    assert hold_id in out
    assert "Regulator inquiry" in out
    assert _invoke("retention", "hold", "release", hold_id)[0] == 0
    assert hold_id not in _invoke("retention", "hold", "list")[1]
    assert "released" in _invoke("retention", "hold", "list", "--all")[1]
    code, out = _invoke("retention", "hold", "release", hold_id)
    assert code == 1
    assert "already released" in out

    code, out = _invoke(
        "retention",
        "hold",
        "add",
        "--tenant",
        str(world.open_tenant),
        "--category",
        "cookies",
        "--reason",
        "x y z",
        "--until",
        "2099-01-01",
    )
    assert code == 2
    assert "exactly one of" in out
    code, out = _invoke(
        "retention", "hold", "add", "--category", "cookies", "--reason", "old case", "--until", "2001-01-01"
    )
    assert code == 1
    assert "ends_at: must be in the future" in out
    code, out = _invoke("retention", "run", "--category", "nonsense")
    assert code == 1
    assert "'nonsense' is not a category" in out
