"""`omniwise apikeys`: create and revoke API keys."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from omniwise.auth.roles import Role
from omniwise.auth.service import create_api_key, revoke_api_key
from omniwise.cli.context import runtime_for_command
from omniwise.errors import OmniwiseError

app = typer.Typer(help="API keys (stored hashed, shown once).", no_args_is_help=True)


@app.command("create")
def create(
    role: Annotated[Role, typer.Option(help="The key's role.", case_sensitive=False)],
    name: Annotated[str, typer.Option(help="What the key is for.")],
    tenant: Annotated[uuid.UUID | None, typer.Option(help="Tenant id, for tenant-admin and tenant-member.")] = None,
) -> None:
    """Create an API key and print its token as the last line (it is not shown again)."""
    runtime = runtime_for_command()
    try:
        with runtime.transaction() as session:
            new = create_api_key(session, name=name, role=role, tenant_id=tenant)
    except OmniwiseError as exc:
        typer.echo(f"omniwise: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    finally:
        runtime.dispose()
    typer.echo(f"created API key {new.id} with role {role.value}; store the token now, it is not shown again:")
    typer.echo(new.token)


@app.command("revoke")
def revoke(key_id: uuid.UUID) -> None:
    """Revoke an API key by its id."""
    runtime = runtime_for_command()
    try:
        with runtime.transaction() as session:
            revoke_api_key(session, key_id=key_id)
    except OmniwiseError as exc:
        typer.echo(f"omniwise: {exc.detail}", err=True)
        raise typer.Exit(1) from None
    finally:
        runtime.dispose()
    typer.echo(f"revoked API key {key_id}")
