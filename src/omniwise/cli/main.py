"""The `omniwise` command: serve, worker, db, apikeys, keys, audit, zendesk, sandbox."""

from __future__ import annotations

import logging
import sys

import typer

from omniwise.cli import apikeys, audit, db, keys, sandbox, serve, worker, zendesk
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
app.add_typer(zendesk.app, name="zendesk")
app.add_typer(sandbox.app, name="sandbox")


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
