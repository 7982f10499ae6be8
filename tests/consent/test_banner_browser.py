"""The consent banner in a real headless Chromium: nothing before consent, consent recorded, GPC, withdrawal."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from omniwise.consent.models import ConsentRecord
from omniwise.runtime import Runtime
from tests.browser import PLAYWRIGHT_MISSING, GpcSignal, cookies, eventually, new_context, shot
from tests.live import live_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

NOT_BEFORE_CONSENT = ("ow_analytics", "ow_campaign")


def _records(runtime: Runtime) -> list[ConsentRecord]:
    with runtime.transaction() as session:
        return list(session.scalars(select(ConsentRecord).order_by(ConsentRecord.recorded_at, ConsentRecord.id)))


def _open_preferences(page: Page) -> None:
    page.click("#ow-cc-preferences")
    expect(page.locator("#ow-cc-dialog")).to_be_visible()


def test_nothing_before_consent_then_accept_then_withdraw(runtime: Runtime, browser: Browser) -> None:
    with live_server(runtime) as base:
        context = new_context(browser)
        try:
            page = context.new_page()
            page.goto(f"{base}/privacy/cookies?utm_campaign=autumn")
            expect(page.locator("#ow-cc-banner")).to_be_visible()
            expect(page.locator("#ow-cc-preferences")).to_be_attached()
            shot(page, "consent-banner")
            assert not set(cookies(context)) & {"ow_consent", *NOT_BEFORE_CONSENT}
            assert _records(runtime) == []

            page.click("#ow-cc-accept")
            given = eventually("the analytics cookie", lambda: (c := cookies(context)).get("ow_analytics") and c)
            assert re.fullmatch(r"[0-9a-f]{32}", given["ow_analytics"])
            assert given["ow_campaign"] == "autumn"
            assert re.fullmatch(r"v1\.[0-9a-f-]{36}\.[0-9a-f]{12}\.analytics%2Bmarketing", given["ow_consent"])
            expect(page.locator("#ow-cc-banner")).to_have_count(0)
            accepted = eventually("the consent record", lambda: _records(runtime))
            assert [(r.source, r.choices, r.gpc) for r in accepted] == [
                ("banner", {"analytics": True, "marketing": True}, False)
            ]
            assert str(accepted[0].consent_id) in given["ow_consent"]

            # the choice holds on the next page: no banner, the same analytics id
            page.goto(f"{base}/privacy/cookies")
            expect(page.locator("#ow-cc-preferences")).to_be_attached()
            expect(page.locator("#ow-cc-banner")).to_have_count(0)
            assert cookies(context)["ow_analytics"] == given["ow_analytics"]

            # withdrawal is as easy: the button that is on every page, one click in the dialog
            _open_preferences(page)
            expect(page.locator("#ow-cc-group-analytics")).to_be_checked()
            expect(page.locator("#ow-cc-group-strictly_necessary")).to_be_disabled()
            shot(page, "consent-preferences")
            page.click("#ow-cc-dialog-reject")
            eventually("the analytics cookie to go", lambda: "ow_analytics" not in cookies(context))
            assert "ow_campaign" not in cookies(context)
            latest = eventually("the withdrawal to be recorded", lambda: len(r := _records(runtime)) == 2 and r)[-1]
            assert (latest.source, latest.choices, latest.consent_id) == (
                "preferences",
                {"analytics": False, "marketing": False},
                accepted[0].consent_id,
            )

            # and consent can be given again, one group at a time
            _open_preferences(page)
            page.click("#ow-cc-group-analytics")
            page.click("#ow-cc-save")
            eventually("the analytics cookie", lambda: "ow_analytics" in cookies(context))
            assert "ow_campaign" not in cookies(context)
            again = eventually("the new choice to be recorded", lambda: len(r := _records(runtime)) == 3 and r)
            assert again[-1].choices == {"analytics": True, "marketing": False}
        finally:
            context.close()


@pytest.mark.parametrize("signal", ["header", "navigator"])
def test_global_privacy_control_is_an_opt_out(runtime: Runtime, browser: Browser, signal: GpcSignal) -> None:
    with live_server(runtime) as base:
        context: BrowserContext = new_context(browser, gpc=signal)
        try:
            page = context.new_page()
            page.goto(f"{base}/privacy/cookies")
            eventually("the refusal to be recorded", lambda: cookies(context).get("ow_consent"))
            assert page.evaluate("window.OmniwiseConsent.gpc") is True
            expect(page.locator("#ow-cc-banner")).to_have_count(0)
            assert not set(cookies(context)) & set(NOT_BEFORE_CONSENT)
            assert cookies(context)["ow_consent"].endswith(".-")
            records = eventually("the consent record", lambda: _records(runtime))
            assert [(r.source, r.choices) for r in records] == [("gpc", {"analytics": False, "marketing": False})]
            assert records[0].gpc is (signal == "header")  # the server sees the header; the page saw the property

            # the dialog says why its choices are off, and offers no way around the signal
            _open_preferences(page)
            expect(page.locator("#ow-cc-gpc")).to_be_attached()
            expect(page.locator("#ow-cc-group-analytics")).to_be_disabled()
            expect(page.locator("#ow-cc-dialog-accept")).to_have_count(0)
            shot(page, f"consent-gpc-{signal}")

            # a page with GPC never sets a consent cookie, even from an old choice made without it
            page.goto(f"{base}/privacy/cookies")
            expect(page.locator("#ow-cc-preferences")).to_be_attached()
            assert not set(cookies(context)) & set(NOT_BEFORE_CONSENT)
            assert len(_records(runtime)) == 1  # the standing refusal is not recorded again on every page
        finally:
            context.close()
