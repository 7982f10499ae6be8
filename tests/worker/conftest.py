"""Fixtures for the job tests: the embedded job machinery, consuming or only collecting messages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from omniwise.runtime import Runtime
from omniwise.worker.process import BackgroundJobs
from tests.worker import handlers  # noqa: F401  (registers the test handlers)


@pytest.fixture
def jobs(runtime: Runtime) -> Iterator[BackgroundJobs]:
    """The embedded default: in-process broker, worker threads; no reconciler, tests drive it."""
    machinery = BackgroundJobs(runtime, consume=True, reconcile=False)
    machinery.start()
    yield machinery
    machinery.stop()


@pytest.fixture
def idle_jobs(runtime: Runtime) -> Iterator[BackgroundJobs]:
    """The in-process broker with no worker threads: messages stay queued where a test can count them."""
    machinery = BackgroundJobs(runtime, consume=False, reconcile=False)
    machinery.start()
    yield machinery
    machinery.stop()
