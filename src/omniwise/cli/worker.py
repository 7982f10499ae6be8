"""`omniwise worker`: a job worker on the broker of OMNIWISE_BROKER_URL (production)."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Annotated

import typer

from omniwise.config import get_settings
from omniwise.migrate import is_current
from omniwise.runtime import build_runtime
from omniwise.worker.broker import describe_url
from omniwise.worker.errors import BrokerUnavailable
from omniwise.worker.process import BackgroundJobs

EMBEDDED_MESSAGE = (
    "omniwise: OMNIWISE_BROKER_URL is not set; in the embedded default the worker runs inside "
    "'omniwise serve', so there is nothing to start (set it to a redis:// or amqp:// URL to run separate workers)"
)


def worker(
    threads: Annotated[
        int | None, typer.Option(help="Worker threads (default OMNIWISE_WORKER_THREADS).", min=1, max=64)
    ] = None,
) -> None:
    """Run jobs from the Redis or RabbitMQ broker until SIGINT or SIGTERM; run as many as needed."""
    settings = get_settings()
    if settings.broker_url is None:
        typer.echo(EMBEDDED_MESSAGE, err=True)
        raise typer.Exit(2)
    runtime = build_runtime(settings)
    try:
        for tree, engine in (("main", runtime.engine), ("keystore", runtime.keyring.engine)):
            if not is_current(tree, engine):
                typer.echo(f"omniwise: the {tree} database schema is not current; run 'omniwise db upgrade'", err=True)
                raise typer.Exit(2)
        stopping = threading.Event()

        def request_stop(signum: int, _frame: FrameType | None) -> None:
            stopping.set()

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        jobs = BackgroundJobs(runtime, consume=True, reconcile=True, threads=threads)
        try:
            jobs.start(check=True)
        except BrokerUnavailable as exc:
            typer.echo(f"omniwise: {exc.detail}", err=True)
            raise typer.Exit(1) from None
        typer.echo(
            f"omniwise worker on {describe_url(settings.broker_url)}, queue {settings.worker_queue}, "
            f"{jobs.threads} thread(s); stop with Ctrl-C or SIGTERM",
            err=True,
        )
        # a short wait in a loop, so that the signal handler runs promptly on every platform
        while not stopping.wait(0.5):
            pass
        typer.echo("omniwise worker: stopping, letting running jobs finish", err=True)
        jobs.stop()
    finally:
        runtime.dispose()
    typer.echo("omniwise worker: stopped", err=True)
