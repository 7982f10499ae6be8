"""Fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL: one fresh database per test run (per xdist worker), dropped at the end;
tables are emptied after each test. Where no server answers, the PostgreSQL variants are
skipped with a message that says so.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from omniwise.app import create_app
from omniwise.config import Settings
from omniwise.db import create_db_engine
from omniwise.keys.models import KeystoreBase
from omniwise.migrate import upgrade_engine
from omniwise.models import metadata
from omniwise.runtime import Runtime, build_runtime

# the browser tests' fixtures (Chromium through Playwright), shared by every module that drives one
pytest_plugins = ("tests.browser",)

PG_ADMIN_URL = os.environ.get("OMNIWISE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite", "postgresql"]


def _pg_available() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL not reachable at {PG_ADMIN_URL} ({type(exc).__name__}); PostgreSQL run skipped"


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this run, migrated once, dropped afterwards."""
    reason = _pg_available()
    if reason:
        pytest.skip(reason)
    name = f"omniwise_test_{secrets.token_hex(6)}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    url = f"{base}/{name}"
    engine = create_db_engine(url)
    upgrade_engine("main", engine)
    upgrade_engine("keystore", engine)
    engine.dispose()
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite data file and key store, copied for each test."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    for tree, name in (("main", "omniwise.db"), ("keystore", "keystore.db")):
        engine = create_db_engine(f"sqlite:///{folder / name}")
        upgrade_engine(tree, engine)
        engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return folder


def _truncate(engine: Engine) -> None:
    tables = [t.name for t in metadata.sorted_tables] + [t.name for t in KeystoreBase.metadata.sorted_tables]
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Settings]:
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        for file in template.iterdir():
            shutil.copy(file, data_dir / file.name)
        yield Settings(data_dir=data_dir, environment="test")
        return
    url: str = request.getfixturevalue("pg_database_url")
    yield Settings(data_dir=data_dir, database_url=url, keystore_url=url, environment="test")
    engine = create_db_engine(url)
    _truncate(engine)
    engine.dispose()


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(settings)
    yield rt
    rt.dispose()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), raise_server_exceptions=False) as test_client:
        yield test_client
