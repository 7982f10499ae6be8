"""`omniwise db`: schema migrations."""

from __future__ import annotations

import typer

from omniwise.cli.context import runtime_for_command
from omniwise.migrate import upgrade_all

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Bring the data database and the key store to the newest schema."""
    runtime = runtime_for_command()
    try:
        upgrade_all(runtime.engine, runtime.keyring.engine)
    finally:
        runtime.dispose()
    typer.echo("database and key store are at the newest schema")
