"""`omniwise messaging`: hand queued messages to the worker again (once SMTP is configured, say)."""

from __future__ import annotations

import typer

from omniwise.cli.context import runtime_for_command
from omniwise.messaging.service import requeue_queued

app = typer.Typer(help="The outbox of messages.", no_args_is_help=True)


@app.command("send-queued")
def send_queued() -> None:
    """Queue a send job for every message still queued; the worker (or `omniwise serve`) sends them."""
    runtime = runtime_for_command()
    try:
        with runtime.transaction() as session:
            count = requeue_queued(session)
    finally:
        runtime.dispose()
    typer.echo(f"{count} queued message(s) handed to the worker")
