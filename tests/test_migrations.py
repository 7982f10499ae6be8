"""The migrations build exactly the schema the models describe, in one line of history."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from omniwise.keys.models import KeystoreBase
from omniwise.migrate import alembic_config
from omniwise.models import metadata
from omniwise.runtime import Runtime


def _of_another_tree(difference: tuple[object, ...], other_tables: set[str]) -> bool:
    kind, item = difference[0], difference[1]
    if kind == "remove_table":
        name = str(getattr(item, "name", ""))
        return name in other_tables or name.startswith("alembic_version")
    if kind == "remove_index":
        table = getattr(item, "table", None)
        return table is not None and table.name in other_tables
    return False


def test_the_migrated_database_matches_the_models(runtime: Runtime) -> None:
    for engine, target, table in (
        (runtime.engine, metadata, "alembic_version"),
        (runtime.keyring.engine, KeystoreBase.metadata, "alembic_version_keystore"),
    ):
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"version_table": table})
            differences = compare_metadata(context, target)
        # only the other tree's tables may differ, where the key store shares the database
        other = KeystoreBase.metadata if target is metadata else metadata
        unexpected = [d for d in differences if not _of_another_tree(d, set(other.tables))]
        assert unexpected == [], unexpected


def test_each_tree_has_one_head_and_no_branches() -> None:
    for tree in ("main", "keystore"):
        scripts = ScriptDirectory.from_config(alembic_config(tree))
        assert len(scripts.get_heads()) == 1, f"{tree} has several heads: chain the newest migration after the last"
        for revision in scripts.walk_revisions():
            assert not isinstance(revision.down_revision, tuple), f"{tree} {revision.revision} merges branches"
