"""The platform served over real HTTP on a loopback port, in a thread of the test process."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

import uvicorn

from omniwise.app import create_app
from omniwise.runtime import Runtime
from tests.cli.helpers import free_port


@contextlib.contextmanager
def live_server(
    runtime: Runtime,
    *,
    on_startup: Callable[[], None] | None = None,
    on_shutdown: Callable[[], None] | None = None,
    timeout: float = 15.0,
) -> Iterator[str]:
    """Yield the base URL of a running server; stop it (and wait for its thread) afterwards.

    `on_startup` and `on_shutdown` run with the application's lifespan, as `omniwise serve`
    starts and stops its job machinery.
    """
    port = free_port()
    app = create_app(runtime, on_startup=on_startup, on_shutdown=on_shutdown)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"live-server-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the test server on port {port} did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
