"""The job machinery of one process: broker, actor, worker threads and reconciler, started and stopped together."""

from __future__ import annotations

import logging
from datetime import timedelta

import dramatiq

from omniwise.runtime import Runtime
from omniwise.worker import broker as brokers
from omniwise.worker.reconciler import Reconciler, redrive_all
from omniwise.worker.registry import handler_names, load_handlers
from omniwise.worker.runner import handle_message
from omniwise.worker.schedule import ensure_daily_jobs

log = logging.getLogger("omniwise.worker")

# how long an idle worker thread or consumer waits before looking again; also bounds how long stopping takes
POLL_MILLISECONDS = 500


class BackgroundJobs:
    """Jobs in this process.

    `consume`: run worker threads (the embedded default always does; `serve` in
    production only sends). `reconcile`: run the reconciler thread, and keep the daily
    jobs scheduled (see `omniwise.worker.schedule`). The embedded broker
    starts empty, so on start every runnable job in the database is sent again.
    """

    def __init__(
        self, runtime: Runtime, *, consume: bool = True, reconcile: bool = True, threads: int | None = None
    ) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.consume = consume
        self.reconcile = reconcile
        self.threads = threads or self.settings.worker_threads
        self.broker: dramatiq.Broker | None = None
        self._binding: brokers.Binding | None = None
        self._worker: dramatiq.Worker | None = None
        self._reconciler: Reconciler | None = None

    def start(self, *, check: bool = False) -> None:
        """Start; with `check`, first make sure the broker answers (raises BrokerUnavailable)."""
        load_handlers()
        broker = brokers.create_broker(self.settings)
        if check:
            try:
                brokers.check_broker(broker, self.settings.broker_url)
            except Exception:
                broker.close()
                raise
        self.broker = broker
        self._binding = brokers.bind(self.runtime, broker, handle_message)
        if self.consume:
            self._worker = dramatiq.Worker(broker, worker_threads=self.threads, worker_timeout=POLL_MILLISECONDS)
            self._worker.start()
        if self.settings.is_embedded:
            with self.runtime.transaction() as session:
                redriven = redrive_all(session)
            if redriven:
                log.info("re-sent %d job(s) left queued when the last process stopped", redriven)
        if self.reconcile:
            with self.runtime.transaction() as session:
                ensure_daily_jobs(session)
            self._reconciler = Reconciler(
                self.runtime,
                interval=self.settings.reconcile_seconds,
                grace=timedelta(seconds=self.settings.reconcile_grace_seconds),
            )
            if not self.settings.is_embedded:
                self._reconciler.run_once()
            self._reconciler.start()
        log.info(
            "jobs: %s, queue %s, %s, handlers %s",
            brokers.describe_url(self.settings.broker_url),
            self.settings.worker_queue,
            f"{self.threads} worker thread(s)" if self.consume else "sending only",
            ", ".join(handler_names()) or "none",
        )

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the reconciler, let the worker threads finish their current job, release the broker."""
        if self._reconciler is not None:
            self._reconciler.stop(timeout)
            self._reconciler = None
        if self._worker is not None:
            self._worker.stop(timeout=int(timeout * 1000))
            self._worker = None
        if self._binding is not None:
            brokers.unbind(self._binding)
            self._binding = None
        if self.broker is not None:
            self.broker.close()
            self.broker = None

    def __enter__(self) -> BackgroundJobs:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
