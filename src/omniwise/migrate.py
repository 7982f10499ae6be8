"""Bringing the data database and the key store to the newest schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(tree: str, url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS / tree))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade_engine(tree: str, engine: Engine) -> None:
    config = alembic_config(tree)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def is_current(tree: str, engine: Engine) -> bool:
    heads = set(ScriptDirectory.from_config(alembic_config(tree)).get_heads())
    version_table = "alembic_version" if tree == "main" else "alembic_version_keystore"
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection, opts={"version_table": version_table}).get_current_heads())
    return current == heads


def upgrade_all(data: Engine, keystore: Engine) -> None:
    upgrade_engine("main", data)
    upgrade_engine("keystore", keystore)
