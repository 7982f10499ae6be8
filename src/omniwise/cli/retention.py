"""`omniwise retention`: run the sweeps by hand (or as a dry run), and manage legal holds."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from omniwise.auth.actor import Actor
from omniwise.cli.context import runtime_for_command
from omniwise.errors import OmniwiseError
from omniwise.retention import repository, service
from omniwise.retention.models import LegalHold, RetentionRun, RetentionRunCategory
from omniwise.retention.schemas import HoldCreate, HoldScope
from omniwise.retention.sweep import DEFAULT_BATCH_SIZE, NOTHING_STORED, run_retention

app = typer.Typer(
    help="Retention: sweeps that delete or anonymise what is past its period, and legal holds.", no_args_is_help=True
)
holds_app = typer.Typer(
    help="Legal holds: keep a tenant's, a person's or a category's records past their period.", no_args_is_help=True
)
app.add_typer(holds_app, name="hold")

# the command line is run by an operator on the platform's own machine
OPERATOR = Actor(kind="system", id="cli", role=None)


def _fail(exc: OmniwiseError) -> typer.Exit:
    typer.echo(f"omniwise: {exc.detail}", err=True)
    return typer.Exit(1)


@app.command("run")
def run(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count and explain; change nothing.")] = False,
    category: Annotated[
        list[str] | None, typer.Option("--category", help="Only this policy category (repeatable).")
    ] = None,
    batch_size: Annotated[int, typer.Option(help="Rows per transaction.", min=1, max=100_000)] = DEFAULT_BATCH_SIZE,
) -> None:
    """Sweep every retention rule of the policy and print, per category, what was (or would be) done and why."""
    runtime = runtime_for_command()
    try:
        run_id = run_retention(
            runtime, dry_run=dry_run, started_by="cli", actor=OPERATOR, categories=category, batch_size=batch_size
        )
        with runtime.transaction() as session:
            record = repository.get_run(session, run_id)
            assert record is not None
            held_ids = [h.hold_id for c in record.categories for h in c.holds]
            holds = repository.holds_by_id(session, held_ids)
            print_run(record, holds)
    except OmniwiseError as exc:
        raise _fail(exc) from None
    except KeyboardInterrupt:
        typer.echo("omniwise: stopped; every batch done so far is kept, and the next run continues", err=True)
        raise typer.Exit(130) from None
    finally:
        runtime.dispose()
    if record.status != "completed" or any(c.errors for c in record.categories):
        raise typer.Exit(1)


def _done_label(row: RetentionRunCategory, dry_run: bool) -> str:
    if row.sweeper is None or not row.action:
        return "-"
    verb = "delete" if row.action == "delete" else "anonymise"
    if dry_run:
        return f"would {verb} {row.candidates - row.skipped_by_hold}"
    done = row.deleted if row.action == "delete" else row.anonymised
    return f"{verb}d {done}"


def _why(row: RetentionRunCategory, holds: dict[uuid.UUID, LegalHold]) -> str:
    reasons = []
    for held in row.holds:
        hold = holds.get(held.hold_id)
        if hold is None:
            continue
        target = (
            hold.category if hold.scope == "category" else hold.tenant_id if hold.scope == "tenant" else hold.subject_id
        )
        reasons.append(f"{held.rows} kept by hold {str(hold.id)[:8]} on {hold.scope} {target}: {hold.reason}")
    if row.note and row.note.startswith(NOTHING_STORED):
        reasons.append(row.note)
    elif row.note:
        reasons.append(f"not swept: {row.note}" if row.sweeper is None or row.note.startswith("sweeper ") else row.note)
    elif row.sweeper is not None and row.candidates == 0:
        reasons.append("nothing is past its period")
    return "\n".join(reasons)


def print_run(record: RetentionRun, holds: dict[uuid.UUID, LegalHold], console: Console | None = None) -> None:
    out = console or Console()
    kind = "Dry run: nothing was changed" if record.dry_run else "Retention run"
    title = f"{kind} (periods counted back from {record.as_of:%Y-%m-%d %H:%M} UTC)"
    table = Table(title=title, show_lines=True)
    for name in ("category", "rule", "sweeper"):
        table.add_column(name)
    for name in ("expired", "done", "held", "errors"):
        table.add_column(name, justify="right")
    table.add_column("why")
    for row in record.categories:
        rule = f"{row.period} {row.trigger} -> {row.action}" if row.period else "-"
        table.add_row(
            row.category + (f"\n(exception {row.exception})" if row.exception else ""),
            rule,
            row.sweeper or "-",
            str(row.candidates) if row.sweeper else "-",
            _done_label(row, record.dry_run),
            str(row.skipped_by_hold) if row.sweeper else "-",
            str(row.errors),
            _why(row, holds),
        )
    out.print(table)
    status = record.status if record.finished_at else "stopped before it finished"
    out.print(f"run {record.id}: {status}" + (f" ({record.error})" if record.error else ""))


@holds_app.command("add")
def hold_add(
    reason: Annotated[str, typer.Option(help="Why the records must be kept (a case, an authority's request).")],
    until: Annotated[
        datetime, typer.Option(help="When the hold lapses unless released sooner (UTC; a date means its start).")
    ],
    tenant: Annotated[uuid.UUID | None, typer.Option(help="Hold everything of this tenant.")] = None,
    subject: Annotated[uuid.UUID | None, typer.Option(help="Hold everything of this person (data subject id).")] = None,
    category: Annotated[str | None, typer.Option(help="Hold a whole policy category.")] = None,
) -> None:
    """Place a legal hold on exactly one of --tenant, --subject or --category."""
    targets = {"tenant": tenant, "subject": subject, "category": category}
    given = [name for name, value in targets.items() if value is not None]
    if len(given) != 1:
        typer.echo("omniwise: name exactly one of --tenant, --subject or --category", err=True)
        raise typer.Exit(2)
    ends_at = until.replace(tzinfo=UTC) if until.tzinfo is None else until
    runtime = runtime_for_command()
    try:
        data = HoldCreate(
            scope=HoldScope(given[0]),
            tenant_id=tenant,
            subject_id=subject,
            category=category,
            reason=reason,
            ends_at=ends_at,
        )
        with runtime.transaction() as session:
            hold = service.create_hold(session, actor=OPERATOR, data=data)
    except OmniwiseError as exc:
        raise _fail(exc) from None
    except ValueError as exc:
        typer.echo(f"omniwise: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        runtime.dispose()
    typer.echo(f"legal hold {hold.id} placed on {hold.scope} until {hold.ends_at:%Y-%m-%d %H:%M} UTC")


@holds_app.command("list")
def hold_list(
    all_: Annotated[bool, typer.Option("--all", help="Include released and lapsed holds.")] = False,
) -> None:
    """Print the legal holds in force (or every hold, with --all)."""
    runtime = runtime_for_command()
    try:
        with runtime.transaction() as session:
            holds = service.list_holds(session, actor=OPERATOR, include_ended=all_)
            rows = [service.hold_read(h) for h in holds]
    finally:
        runtime.dispose()
    table = Table(title="Legal holds" if all_ else "Legal holds in force")
    for name in ("id", "scope", "target", "reason", "set by", "until", "state"):
        table.add_column(name)
    for h in rows:
        target = h.category or str(h.subject_id or h.tenant_id)
        state = "active" if h.active else ("released" if h.released_at else "lapsed")
        by = f"{h.set_by_type}:{h.set_by_id}" if h.set_by_id else h.set_by_type
        table.add_row(str(h.id), h.scope.value, target, h.reason, by, f"{h.ends_at:%Y-%m-%d %H:%M}", state)
    Console().print(table)


@holds_app.command("release")
def hold_release(hold_id: uuid.UUID) -> None:
    """Release a legal hold now; the next sweep treats its records like any others."""
    runtime = runtime_for_command()
    try:
        with runtime.transaction() as session:
            service.release_hold(session, actor=OPERATOR, hold_id=hold_id)
    except OmniwiseError as exc:
        raise _fail(exc) from None
    finally:
        runtime.dispose()
    typer.echo(f"legal hold {hold_id} released")
