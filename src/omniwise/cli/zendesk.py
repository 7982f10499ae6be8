"""`omniwise zendesk`: sync a connection in the foreground, with a progress bar and a summary."""

from __future__ import annotations

import time
import uuid

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from omniwise.auth.actor import Actor
from omniwise.cli.context import runtime_for_command
from omniwise.errors import OmniwiseError
from omniwise.zendesk.foreground import Progress as SyncProgress
from omniwise.zendesk.foreground import sync_in_foreground
from omniwise.zendesk.sync import StepResult

app = typer.Typer(help="The Zendesk integration.", no_args_is_help=True)
CLI_ACTOR = Actor(kind="system", id="cli", role=None)


def _detail(progress: SyncProgress) -> str:
    counts = progress.counts
    if progress.status != "running":
        return progress.status
    return f"{progress.stream or 'starting'} · {counts.get('users', 0)} users · {counts.get('comments', 0)} comments"


@app.command("sync")
def sync(connection_id: uuid.UUID) -> None:
    """Sync a connection now, in the foreground; a stopped sync resumes where it stopped."""
    console = Console()
    runtime = runtime_for_command()
    started = time.monotonic()
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[bold]tickets"),
        BarColumn(bar_width=24),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[detail]}"),
        console=console,
    )
    task = bar.add_task("tickets", total=None, detail="connecting")

    def show(progress: SyncProgress, step: StepResult | None) -> None:
        done = progress.counts.get("tickets_with_comments", 0)
        total = max(progress.tickets_total or 0, done) or None
        detail = _detail(progress)
        if step is not None and step.deferred_for:
            detail += f" · waiting {step.deferred_for:.0f}s for the rate limit"
        bar.update(task, completed=done, total=total, detail=detail)

    try:
        with bar:
            result = sync_in_foreground(runtime, connection_id=connection_id, actor=CLI_ACTOR, on_progress=show)
    except KeyboardInterrupt:
        console.print("stopped; run the same command again to resume where it stopped")
        raise typer.Exit(130) from None
    except OmniwiseError as exc:
        typer.echo(f"omniwise: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    finally:
        runtime.dispose()
    table = Table(title=f"Zendesk sync {result.run_id}: {result.status}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, label in (
        ("organizations", "organisations stored"),
        ("users", "users stored"),
        ("tickets", "tickets exported"),
        ("tickets_with_comments", "tickets with comments synced"),
        ("comments", "comments stored"),
    ):
        table.add_row(label, str(result.counts.get(key, 0)))
    table.add_row("API requests", str(result.requests))
    table.add_row("refused (429)", str(result.refusals))
    table.add_row("waited for the rate limit", f"{result.waited_seconds:.1f}s")
    table.add_row("elapsed", f"{time.monotonic() - started:.1f}s")
    console.print(table)
    if result.status != "succeeded":
        typer.echo(f"omniwise: the sync {result.status}: {result.error or 'see the sync status'}", err=True)
        raise typer.Exit(1)
