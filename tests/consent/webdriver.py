"""A small W3C WebDriver client over HTTP for Debian's chromium and chromedriver, with CDP commands passed through."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tests.cli.helpers import free_port

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
CHROME_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
T = TypeVar("T")


def browser_binaries() -> tuple[str, str]:
    chromium = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.skip(
            "chromium and chromedriver are not installed (apt-get install chromium chromium-driver); "
            "browser test skipped"
        )
    return chromium, driver


class Browser:
    def __init__(self, http: httpx.Client, session_id: str) -> None:
        self.http = http
        self.session = f"/session/{session_id}"

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.request(method, self.session + path, json=body)
        payload = response.json()
        if response.status_code >= 400:
            raise AssertionError(
                f"webdriver {method} {path}: {payload['value'].get('error')}: {payload['value'].get('message')}"
            )
        return payload["value"]

    def cdp(self, command: str, params: dict[str, Any] | None = None) -> Any:
        """A Chrome DevTools Protocol command on the current page's target."""
        return self._call("POST", "/goog/cdp/execute", {"cmd": command, "params": params or {}})

    def open(self, url: str) -> None:
        self._call("POST", "/url", {"url": url})

    def cookies(self) -> dict[str, str]:
        return {c["name"]: c["value"] for c in self._call("GET", "/cookie")}

    def script(self, source: str, *args: Any) -> Any:
        return self._call("POST", "/execute/sync", {"script": source, "args": list(args)})

    def exists(self, css: str) -> bool:
        return bool(self.script("return document.querySelector(arguments[0]) !== null;", css))

    def click(self, css: str) -> None:
        element = self._call("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]
        self._call("POST", f"/element/{element}/click", {})

    def wait(self, what: str, check: Callable[[], T | None], timeout: float = 10.0) -> T:
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {timeout}s for {what}; cookies {sorted(self.cookies())}")
            time.sleep(0.05)


@contextlib.contextmanager
def chromium(profile: Path) -> Iterator[Browser]:
    """A fresh headless Chromium with its own profile, driven by its own chromedriver; both stopped after."""
    binary, driver = browser_binaries()
    port = free_port()
    log = (profile.parent / f"chromedriver-{port}.log").open("w")
    process = subprocess.Popen([driver, f"--port={port}"], stdout=log, stderr=subprocess.STDOUT)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            deadline = time.monotonic() + 15
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if http.get("/status").json()["value"]["ready"]:
                        break
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError("chromedriver did not start; see " + log.name)
                time.sleep(0.05)
            options = {"binary": binary, "args": [*CHROME_ARGS, f"--user-data-dir={profile}"]}
            created = http.post(
                "/session",
                json={"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}}},
            )
            assert created.status_code == 200, created.text
            browser = Browser(http, created.json()["value"]["sessionId"])
            try:
                yield browser
            finally:
                http.delete(browser.session)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()
