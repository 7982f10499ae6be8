"""`omniwise requests`: open a privacy request for someone whose identity you checked, list them, show one."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from omniwise.auth.actor import Actor
from omniwise.cli.context import runtime_for_command
from omniwise.errors import OmniwiseError
from omniwise.privacy import service
from omniwise.privacy.views import request_read

app = typer.Typer(help="Privacy requests: access, portability, correction, deletion, opt-out.", no_args_is_help=True)
# the operator at the command line acts as the platform itself; what they do is audited under this id
OPERATOR = Actor(kind="system", id="cli", role=None)


def _fail(exc: OmniwiseError) -> None:
    typer.echo(f"omniwise: {exc.detail}", err=True)
    raise typer.Exit(1)


@app.command("open")
def open_(
    type_: Annotated[str, typer.Option("--type", help="access, portability, correction, deletion or opt_out")],
    email: Annotated[str, typer.Option(help="The requester's email address")],
    tenant: Annotated[uuid.UUID | None, typer.Option(help="The business whose data it concerns")] = None,
    jurisdiction: Annotated[str | None, typer.Option(help="gdpr, ccpa or kvkk")] = None,
    verified_by: Annotated[str | None, typer.Option(help="How you verified the requester's identity")] = None,
) -> None:
    """Open a request; without --verified-by a confirmation link goes to the address."""
    runtime = runtime_for_command()
    try:
        with runtime.transaction() as session:
            request = service.open_request(
                session,
                runtime,
                type=type_,
                email=email,
                tenant_id=tenant,
                jurisdiction=jurisdiction,
                channel="cli",
                actor=OPERATOR,
                verified_by=verified_by,
            )
            typer.echo(f"{request.id} {request.reference} {request.status} due {request.due_at.date().isoformat()}")
    except OmniwiseError as exc:
        _fail(exc)
    finally:
        runtime.dispose()


@app.command("list")
def list_(overdue: Annotated[bool, typer.Option(help="Only requests past their due date")] = False) -> None:
    """Requests, overdue first, then by due date."""
    runtime = runtime_for_command()
    try:
        with runtime.transaction() as session:
            for request in service.list_requests(session, actor=OPERATOR, overdue=overdue, limit=500):
                late = " OVERDUE" if request_read(session, request, detail=False).overdue else ""
                typer.echo(
                    f"{request.id} {request.reference} {request.type} {request.status} "
                    f"due {request.deadline.date().isoformat()}{late}"
                )
    finally:
        runtime.dispose()


@app.command("show")
def show(request_id: uuid.UUID) -> None:
    """One request: its status, deadline, steps and completion report."""
    runtime = runtime_for_command()
    try:
        with runtime.transaction() as session:
            read = request_read(session, service.get_request(session, actor=OPERATOR, request_id=request_id))
            typer.echo(f"{read.reference} {read.type} {read.status} due {read.due_at.date().isoformat()}")
            for step in read.steps:
                where = f" ({step.contribution})" if step.contribution else ""
                typer.echo(f"  step {step.name}{where}: {step.status}, {step.attempts} attempt(s)")
            for line in read.report:
                until = f" until {line['until']}" if line.get("until") else ""
                reason = f": {line['reason']}" if line.get("reason") else ""
                typer.echo(f"  {line['action']} {line['count']} {line['category']} in {line['where']}{until}{reason}")
    except OmniwiseError as exc:
        _fail(exc)
    finally:
        runtime.dispose()
