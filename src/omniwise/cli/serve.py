"""`omniwise serve`: the web service (and, in the embedded default, its worker)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
import uvicorn

from omniwise.app import create_app
from omniwise.config import get_settings
from omniwise.db import is_sqlite
from omniwise.migrate import is_current, upgrade_engine
from omniwise.policy.history import publication_warning
from omniwise.runtime import build_runtime
from omniwise.worker.process import BackgroundJobs

log = logging.getLogger("omniwise.serve")


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
) -> None:
    """Serve the platform. The embedded SQLite database and key store upgrade themselves."""
    settings = get_settings()
    runtime = build_runtime(settings)
    for tree, engine, url in (
        ("main", runtime.engine, settings.resolved_database_url),
        ("keystore", runtime.keyring.engine, settings.resolved_keystore_url),
    ):
        if is_sqlite(url):
            upgrade_engine(tree, engine)
        elif not is_current(tree, engine):
            typer.echo(f"omniwise: the {tree} database schema is not current; run 'omniwise db upgrade'", err=True)
            raise typer.Exit(2)
    with runtime.transaction() as session:
        warning = publication_warning(session, policy=runtime.policy)
    if warning:
        log.warning(warning)
    # embedded: worker threads and reconciler in this process; production: this process only sends
    jobs = BackgroundJobs(runtime, consume=settings.is_embedded, reconcile=settings.is_embedded)

    def shutdown() -> None:
        jobs.stop()
        runtime.dispose()

    app = create_app(runtime, on_startup=jobs.start, on_shutdown=shutdown)
    typer.echo(f"Omni Wise platform on http://{host}:{port}/ (API reference at /docs, health at /health)")
    uvicorn.run(app, host=host, port=port, access_log=False, log_config=None, server_header=False)
