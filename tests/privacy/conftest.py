"""The in-process worker for the privacy-request tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from omniwise.runtime import Runtime
from omniwise.worker.process import BackgroundJobs


@pytest.fixture
def jobs(runtime: Runtime) -> Iterator[BackgroundJobs]:
    machinery = BackgroundJobs(runtime, consume=True, reconcile=False)
    machinery.start()
    yield machinery
    machinery.stop()
