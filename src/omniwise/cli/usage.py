"""`omniwise usage`: roll up usage events into the per-tenant daily counts by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from omniwise.cli.context import runtime_for_command
from omniwise.usage.service import roll_up_day

app = typer.Typer(help="Usage of the platform's API and apps.", no_args_is_help=True)


@app.command("rollup")
def rollup(
    day: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="The UTC day to roll up (default: today, so far).")
    ] = None,
) -> None:
    """Recompute one day's per-tenant counts from its events (the daily job does the day before, each night)."""
    wanted = (day or datetime.now(UTC)).date()
    runtime = runtime_for_command()
    try:
        with runtime.transaction() as session:
            rows = roll_up_day(session, day=wanted)
    finally:
        runtime.dispose()
    typer.echo(f"usage for {wanted.isoformat()}: {rows} tenant and feature row(s)")
