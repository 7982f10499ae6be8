"""`omniwise sandbox`: run the Zendesk-compatible sandbox in the foreground."""

from __future__ import annotations

import secrets
from typing import Annotated

import typer
import uvicorn

from omniwise.sandbox.app import create_sandbox_app
from omniwise.sandbox.emulator import Sandbox, SandboxConfig
from omniwise.sandbox.seed import SeedSizes

app = typer.Typer(help="Sandboxes of the outside systems the platform talks to.", no_args_is_help=True)


@app.command("zendesk")
def zendesk(
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8090,
    seed: Annotated[int, typer.Option(help="Seed of the generated data: the same seed, the same account.")] = 1,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    tickets: Annotated[int, typer.Option(help="Tickets to generate.", min=0)] = 200,
    users: Annotated[int, typer.Option(help="Customers to generate.", min=0)] = 100,
    organizations: Annotated[int, typer.Option(help="Organisations to generate.", min=0)] = 20,
    rate_limit: Annotated[int, typer.Option(help="Requests a minute (Zendesk Professional: 400).", min=1)] = 400,
    incremental_limit: Annotated[int, typer.Option(help="Incremental exports a minute (Zendesk: 10).", min=1)] = 10,
    export_lag: Annotated[float, typer.Option(help="Seconds of recent changes the exports leave out.", min=0)] = 60.0,
    token: Annotated[str | None, typer.Option(help="The API token to accept (default: a new random one).")] = None,
) -> None:
    """A Zendesk-compatible server with seeded data, Zendesk's rate limits, cursor pagination and signed webhooks."""
    config = SandboxConfig(
        seed=seed,
        sizes=SeedSizes(organizations=organizations, users=users, tickets=tickets),
        rate_limit=rate_limit,
        incremental_limit=incremental_limit,
        export_lag_seconds=export_lag,
        api_token=token or secrets.token_urlsafe(24),
    )
    sandbox = Sandbox(config)
    base = f"http://{host}:{port}"
    typer.echo(f"Zendesk sandbox on {base} (seed {seed}: {tickets} tickets, {users} customers); stop with Ctrl-C")
    typer.echo(f"subdomain: {config.subdomain}")
    typer.echo(f"email: {config.email}")
    typer.echo(f"api token: {config.api_token}")
    try:
        uvicorn.run(
            create_sandbox_app(sandbox), host=host, port=port, access_log=False, log_config=None, server_header=False
        )
    finally:
        sandbox.close()
