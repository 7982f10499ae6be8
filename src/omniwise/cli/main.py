"""The `omniwise` command and its groups: serve, worker, db, apikeys, keys, audit, users, policy, and the rest."""

from __future__ import annotations

import logging
import sys

import typer

from omniwise.cli import apikeys, audit, db, keys, requests, retention, sandbox, serve, usage, users, worker, zendesk
from omniwise.cli import messaging as messaging_cli
from omniwise.cli import policy as policy_cli
from omniwise.config import ConfigError

app = typer.Typer(
    name="omniwise",
    help="The Omni Wise platform: privacy-notice promises as running code.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.command("worker")(worker.worker)
app.add_typer(db.app, name="db")
app.add_typer(apikeys.app, name="apikeys")
app.add_typer(keys.app, name="keys")
app.add_typer(audit.app, name="audit")
app.add_typer(users.app, name="users")
app.add_typer(policy_cli.app, name="policy")
app.add_typer(messaging_cli.app, name="messaging")
app.add_typer(retention.app, name="retention")
app.add_typer(usage.app, name="usage")
app.add_typer(zendesk.app, name="zendesk")
app.add_typer(sandbox.app, name="sandbox")
app.add_typer(requests.app, name="requests")


def configure_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs every URL it requests at INFO; URLs can carry personal data (?email=)
    for name in ("httpx", "httpx2", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def main() -> None:
    configure_logging()
    try:
        app()
    except ConfigError as exc:
        typer.echo(f"omniwise: configuration error: {exc}", err=True)
        raise SystemExit(2) from None
