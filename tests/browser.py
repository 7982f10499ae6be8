"""Driving Debian's Chromium with Playwright, the one way every browser test does it.

The `browser` fixture launches /usr/bin/chromium (no browser downloaded by Playwright, no
driver binary) once per test module, and skips, saying why, where it or Playwright is
missing; a test module imports Playwright with `pytest.importorskip(..., reason=
PLAYWRIGHT_MISSING)` to the same effect. Pages are served by `tests.live.live_server` on a
free loopback port; `shot` saves screenshots for people to look at; `new_context` opens a
fresh profile, optionally sending Global Privacy Control the two ways a browser can: the
`Sec-GPC: 1` header on every request, or `navigator.globalPrivacyControl` on every page.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
# defined on the prototype before any page script runs, as a browser with GPC turned on has it
GPC_SCRIPT = (
    "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', "
    "{ get: function () { return true; }, configurable: true });"
)
PLAYWRIGHT_MISSING = "Playwright is not installed (it is a dev dependency: run 'make install')"
GpcSignal = Literal["header", "navigator"]
T = TypeVar("T")


def skip_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return PLAYWRIGHT_MISSING
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: 'make test' installs Debian's chromium where apt is available"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium, headless, for the tests of one module; each test opens its own context (profile)."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def new_context(browser: Browser, *, gpc: GpcSignal | None = None) -> BrowserContext:
    """A fresh profile (no cookies, no storage); with `gpc`, the browser sends that privacy signal."""
    if gpc == "header":
        return browser.new_context(extra_http_headers={"Sec-GPC": "1"})
    context = browser.new_context()
    if gpc == "navigator":
        context.add_init_script(GPC_SCRIPT)
    return context


def cookies(context: BrowserContext) -> dict[str, str]:
    return {c["name"]: c["value"] for c in context.cookies() if "name" in c and "value" in c}


def eventually(what: str, check: Callable[[], T | None], *, timeout: float = 10.0) -> T:
    """Poll `check` until it returns something true (which is returned); fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout}s for {what}")
        time.sleep(0.05)


def shot(page: Page, name: str) -> None:
    """Save a full-page screenshot as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
