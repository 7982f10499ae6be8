"""`omniwise audit`: verify the audit chain."""

from __future__ import annotations

import typer

from omniwise.audit.verify import verify_chain
from omniwise.cli.context import runtime_for_command

app = typer.Typer(help="The audit chain.", no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """Exit 0 if the chain is intact; otherwise name the first bad event and exit 1."""
    runtime = runtime_for_command()
    try:
        with runtime.transaction() as session:
            result = verify_chain(session, runtime.anchor_sink)
    finally:
        runtime.dispose()
    typer.echo(result.describe(), err=not result.ok)
    if not result.ok:
        raise typer.Exit(1)
