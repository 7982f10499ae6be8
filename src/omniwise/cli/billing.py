"""`omniwise billing`: delete the invoice records whose legal period has ended (run it daily, from cron)."""

from __future__ import annotations

import typer

from omniwise.auth.actor import SYSTEM
from omniwise.billing.service import purge_due_invoices
from omniwise.cli.context import runtime_for_command

app = typer.Typer(help="Billing records.", no_args_is_help=True)


@app.command("purge-invoices")
def purge_invoices() -> None:
    """Delete restricted invoice records of closed accounts whose retention period has ended."""
    runtime = runtime_for_command()
    try:
        with runtime.transaction() as session:
            deleted = purge_due_invoices(session, actor=SYSTEM)
    finally:
        runtime.dispose()
    typer.echo(f"deleted {deleted} invoice record(s) whose retention period has ended")
