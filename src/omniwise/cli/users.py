"""`omniwise users`: accounts of the people who sign in to the console and the portal."""

from __future__ import annotations

import sys
import uuid
from typing import Annotated

import typer
from pydantic import ValidationError

from omniwise.auth.roles import Role
from omniwise.cli.context import runtime_for_command
from omniwise.db import is_sqlite
from omniwise.errors import OmniwiseError
from omniwise.migrate import upgrade_all
from omniwise.runtime import Runtime
from omniwise.users import passwords
from omniwise.users.schemas import UserCreate
from omniwise.users.service import create_user, disable_user, find_by_email, get_user, list_users
from omniwise.web.problems import error_message

app = typer.Typer(help="People who sign in to the console (staff) and the portal (businesses).", no_args_is_help=True)


def _runtime() -> Runtime:
    """The runtime, with the embedded SQLite files brought up to date as `omniwise serve` would."""
    runtime = runtime_for_command()
    if is_sqlite(runtime.settings.resolved_database_url) and is_sqlite(runtime.settings.resolved_keystore_url):
        upgrade_all(runtime.engine, runtime.keyring.engine)
    return runtime


def _fail(message: str) -> typer.Exit:
    typer.echo(f"omniwise: {message}", err=True)
    return typer.Exit(1)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt(
        f"Password (at least {passwords.MIN_LENGTH} characters)", hide_input=True, confirmation_prompt=True
    )
    return password


@app.command("create")
def create(
    role: Annotated[Role, typer.Option(help="The account's role.", case_sensitive=False)],
    email: Annotated[str, typer.Option(help="The email address the person signs in with.")],
    tenant: Annotated[uuid.UUID | None, typer.Option(help="Tenant id, for tenant-admin and tenant-member.")] = None,
    name: Annotated[str | None, typer.Option(help="The person's name, as the pages greet them.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create an account. The password is asked for twice (or read from standard input)."""
    try:
        data = UserCreate(email=email, role=role, tenant_id=tenant, name=name)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _fail(f"{'.'.join(str(p) for p in first['loc'])}: {error_message(first)}") from None
    password = _read_password(password_stdin)
    runtime = _runtime()
    try:
        with runtime.transaction() as session:
            user = create_user(session, runtime.keyring, settings=runtime.settings, data=data, password=password)
            user_id = user.id
    except OmniwiseError as exc:
        raise _fail(exc.detail) from None
    finally:
        runtime.dispose()
    typer.echo(f"created user {user_id} with role {role.value}")
    typer.echo(
        "Next: start the platform with 'make run' (or 'omniwise serve'), open its address and sign in at /login."
    )
    if role.is_vendor_staff:
        typer.echo(
            "On first sign-in you will set up an authenticator app (TOTP): the page shows a setup link and a key, once."
        )
        typer.echo("Staff work in the console at /console.")
    else:
        typer.echo(
            "The business's pages are in the portal at /portal; two-step sign-in can be turned on under /account."
        )


@app.command("list")
def list_command() -> None:
    """List every account: id, role, tenant, email, second factor, status."""
    runtime = _runtime()
    try:
        with runtime.transaction() as session:
            users = list_users(session, runtime.keyring)
    finally:
        runtime.dispose()
    if not users:
        typer.echo("no users yet; create one with 'omniwise users create --role vendor-admin --email E'")
        return
    for user in users:
        status = "disabled" if user.disabled else "active"
        factor = "totp" if user.second_factor else "no-totp"
        tenant = str(user.tenant_id) if user.tenant_id else "-"
        typer.echo(f"{user.id}  {user.role.value:<15}  {tenant:<36}  {factor:<7}  {status:<8}  {user.email}")


@app.command("disable")
def disable(
    user: Annotated[str, typer.Argument(help="The account's id or email address.")],
) -> None:
    """Disable an account: it can no longer sign in, and its sessions end at once."""
    runtime = _runtime()
    try:
        with runtime.transaction() as session:
            try:
                found = get_user(session, user_id=uuid.UUID(user))
            except ValueError:
                match = find_by_email(session, runtime.keyring, email=user)
                if match is None:
                    raise _fail("no account has that email address") from None
                found = match
            ended = disable_user(session, user=found)
            user_id = found.id
    except OmniwiseError as exc:
        raise _fail(exc.detail) from None
    finally:
        runtime.dispose()
    typer.echo(f"disabled user {user_id}; {ended} session(s) ended")
