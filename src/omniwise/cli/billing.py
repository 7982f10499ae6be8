"""`omniwise billing purge`: delete what billing keeps no longer (run it daily, from cron)."""

from __future__ import annotations

import typer

from omniwise.auth.actor import SYSTEM
from omniwise.billing.service import purge_due_invoices, purge_old_events
from omniwise.cli.context import runtime_for_command

app = typer.Typer(help="Billing records.", no_args_is_help=True)


@app.command("purge")
def purge() -> None:
    """Delete invoice records of closed accounts whose legal period has ended, and old webhook events."""
    runtime = runtime_for_command()
    try:
        with runtime.transaction() as session:
            invoices = purge_due_invoices(session, actor=SYSTEM)
            events = purge_old_events(session)
    finally:
        runtime.dispose()
    typer.echo(f"deleted {invoices} invoice record(s) past their retention period and {events} old webhook event(s)")
