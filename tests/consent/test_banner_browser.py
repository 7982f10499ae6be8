"""The consent banner in a real headless Chromium: nothing before consent, consent recorded, GPC, withdrawal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from omniwise.consent.models import ConsentRecord
from omniwise.runtime import Runtime
from tests.consent.webdriver import Browser, chromium
from tests.live import live_server

pytestmark = pytest.mark.browser

NOT_BEFORE_CONSENT = ("ow_analytics", "ow_campaign")
GPC_SCRIPT = (
    "try { Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', "
    "{ get: function () { return true; }, configurable: true }); } catch (e) {}"
)


def _records(runtime: Runtime) -> list[ConsentRecord]:
    with runtime.transaction() as session:
        return list(session.scalars(select(ConsentRecord).order_by(ConsentRecord.id)))


def _consent_cookie(browser: Browser) -> str | None:
    return browser.cookies().get("ow_consent")


def test_nothing_before_consent_then_accept_then_withdraw(runtime: Runtime, tmp_path: Path) -> None:
    with live_server(runtime) as base, chromium(tmp_path / "profile") as browser:
        browser.open(f"{base}/privacy/cookies?utm_campaign=autumn")
        browser.wait("the banner", lambda: browser.exists("#ow-cc-banner"))
        assert browser.exists("#ow-cc-preferences")
        assert not set(browser.cookies()) & {"ow_consent", *NOT_BEFORE_CONSENT}
        assert _records(runtime) == []

        browser.click("#ow-cc-accept")
        cookies = browser.wait("the analytics cookie", lambda: (c := browser.cookies()).get("ow_analytics") and c)
        assert re.fullmatch(r"[0-9a-f]{32}", cookies["ow_analytics"])
        assert cookies["ow_campaign"] == "autumn"
        assert re.fullmatch(r"v1\.[0-9a-f-]{36}\.[0-9a-f]{12}\.analytics%2Bmarketing", cookies["ow_consent"])
        assert not browser.exists("#ow-cc-banner")
        accepted = _records(runtime)
        assert [(r.source, r.choices, r.gpc) for r in accepted] == [
            ("banner", {"analytics": True, "marketing": True}, False)
        ]
        assert str(accepted[0].consent_id) in cookies["ow_consent"]

        # the choice holds on the next page: no banner, the same analytics id
        browser.open(f"{base}/privacy/cookies")
        browser.wait("the preferences button", lambda: browser.exists("#ow-cc-preferences"))
        assert not browser.exists("#ow-cc-banner")
        assert browser.cookies()["ow_analytics"] == cookies["ow_analytics"]

        # withdrawal is as easy: the button that is on every page, one click in the dialog
        browser.click("#ow-cc-preferences")
        browser.wait("the dialog", lambda: browser.exists("#ow-cc-dialog"))
        assert browser.script("return document.getElementById('ow-cc-group-analytics').checked;") is True
        assert browser.script("return document.getElementById('ow-cc-group-strictly_necessary').disabled;") is True
        browser.click("#ow-cc-dialog-reject")
        browser.wait("the analytics cookie to go", lambda: "ow_analytics" not in browser.cookies())
        assert "ow_campaign" not in browser.cookies()
        latest = _records(runtime)[-1]
        assert (latest.source, latest.choices, latest.consent_id) == (
            "preferences",
            {"analytics": False, "marketing": False},
            accepted[0].consent_id,
        )

        # and consent can be given again, one group at a time
        browser.click("#ow-cc-preferences")
        browser.wait("the dialog", lambda: browser.exists("#ow-cc-dialog"))
        browser.click("#ow-cc-group-analytics")
        browser.click("#ow-cc-save")
        browser.wait("the analytics cookie", lambda: "ow_analytics" in browser.cookies())
        assert "ow_campaign" not in browser.cookies()
        assert _records(runtime)[-1].choices == {"analytics": True, "marketing": False}


@pytest.mark.parametrize("signal", ["header", "navigator"])
def test_global_privacy_control_is_an_opt_out(runtime: Runtime, tmp_path: Path, signal: str) -> None:
    with live_server(runtime) as base, chromium(tmp_path / "profile") as browser:
        if signal == "header":
            browser.cdp("Network.enable")
            browser.cdp("Network.setExtraHTTPHeaders", {"headers": {"Sec-GPC": "1"}})
        else:
            browser.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": GPC_SCRIPT})
        browser.open(f"{base}/privacy/cookies")
        browser.wait("the refusal to be recorded", lambda: _consent_cookie(browser))
        assert browser.script("return window.OmniwiseConsent.gpc;") is True
        assert not browser.exists("#ow-cc-banner")
        assert not set(browser.cookies()) & set(NOT_BEFORE_CONSENT)
        assert str(_consent_cookie(browser)).endswith(".-")
        records = _records(runtime)
        assert [(r.source, r.choices) for r in records] == [("gpc", {"analytics": False, "marketing": False})]
        assert records[0].gpc is (signal == "header")  # the server sees the header; the page saw the property

        # the dialog says why its choices are off, and offers no way around the signal
        browser.click("#ow-cc-preferences")
        browser.wait("the dialog", lambda: browser.exists("#ow-cc-dialog"))
        assert browser.exists("#ow-cc-gpc")
        assert browser.script("return document.getElementById('ow-cc-group-analytics').disabled;") is True
        assert not browser.exists("#ow-cc-dialog-accept")

        # a page with GPC never sets a consent cookie, even from an old choice made without it
        browser.open(f"{base}/privacy/cookies")
        browser.wait("the page", lambda: browser.exists("#ow-cc-preferences"))
        assert not set(browser.cookies()) & set(NOT_BEFORE_CONSENT)
        assert len(_records(runtime)) == 1  # the standing refusal is not recorded again on every page
