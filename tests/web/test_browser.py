"""Journeys in a real browser: Debian's Chromium, driven by Playwright, against the platform served on loopback.

Screenshots of the main pages are saved to test-artifacts/screenshots/ for people to look at.
These run on the embedded SQLite default only: the pages' database behaviour is covered on
both databases by the other page tests. The browser, the server and the screenshots are
the shared ones of `tests.browser` and `tests.live`.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyotp
import pytest
from typer.testing import CliRunner

from omniwise.auth.actor import SYSTEM
from omniwise.auth.roles import Role
from omniwise.cli.main import app as cli
from omniwise.config import Settings, get_settings
from omniwise.migrate import upgrade_all
from omniwise.runtime import Runtime, build_runtime
from omniwise.tenants.schemas import Region, TenantCreate
from omniwise.tenants.service import create_tenant
from tests.browser import PLAYWRIGHT_MISSING, shot, skip_reason
from tests.factories import PASSWORD, person
from tests.live import live_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

STAFF_EMAIL = "olivia@omniwise.example"
ADMIN_EMAIL = "ada@acme.example"

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect


@dataclass
class Site:
    url: str
    runtime: Runtime
    tenant_id: uuid.UUID


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The platform on a free loopback port, with a staff account made by `omniwise users create`."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    data_dir = tmp_path_factory.mktemp("browser") / "var"
    env = {
        "OMNIWISE_DATA_DIR": str(data_dir),
        "OMNIWISE_ENVIRONMENT": "test",
        "OMNIWISE_PASSWORD_HASH_MEMORY_KIB": "8192",
        "OMNIWISE_PASSWORD_HASH_TIME_COST": "1",
    }
    saved = {k: v for k, v in os.environ.items() if k.startswith("OMNIWISE_")}
    for name in saved:
        del os.environ[name]
    os.environ.update(env)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli,
            [
                "users",
                "create",
                "--role",
                "vendor-admin",
                "--email",
                STAFF_EMAIL,
                "--name",
                "Olivia",
                "--password-stdin",
            ],
            input=PASSWORD + "\n",
        )
        assert result.exit_code == 0, result.output
        settings = Settings()
    finally:
        for name in env:
            os.environ.pop(name, None)
        os.environ.update(saved)
        get_settings.cache_clear()
    runtime = build_runtime(settings)
    upgrade_all(runtime.engine, runtime.keyring.engine)
    with runtime.transaction() as session:
        tenant = create_tenant(
            session,
            runtime.keyring,
            actor=SYSTEM,
            data=TenantCreate(name="Acme Ltd", address="1 High Street, Dover", industry="retail", region=Region.EU),
        )
        tenant_id = tenant.id
    person(runtime, Role.TENANT_ADMIN, ADMIN_EMAIL, tenant_id=tenant_id, name="Ada Admin")
    try:
        with live_server(runtime) as url:
            yield Site(url, runtime, tenant_id)
    finally:
        runtime.dispose()


def sign_in(page: Page, site: Site, email: str) -> None:
    page.goto(f"{site.url}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_staff_enrol_a_second_factor_and_check_the_audit_chain(browser: Browser, site: Site) -> None:
    page = browser.new_page()
    problems: list[str] = []  # script errors and content-security-policy refusals would show here
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(site.url)
    shot(page, "start")
    page.get_by_role("link", name="Sign in").first.click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    shot(page, "login")
    page.get_by_label("Email address").fill(STAFF_EMAIL)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#error-password")).to_contain_text("do not match an account")
    shot(page, "login-error")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    shot(page, "totp-enrolment")
    page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{site.url}/console")
    expect(page.get_by_role("heading", name="Console")).to_be_visible()
    shot(page, "console-home")
    page.get_by_role("navigation").get_by_role("link", name="Tenants").click()
    page.get_by_role("link", name="Acme Ltd").click()
    expect(page.get_by_role("heading", name="Acme Ltd")).to_be_visible()
    shot(page, "console-tenant")

    page.get_by_role("navigation").get_by_role("link", name="Audit chain").click()
    expect(page.get_by_text("has not run yet")).to_be_visible()
    page.get_by_role("button", name="Verify the chain now").click()
    expect(page.locator("#chain-status")).to_contain_text("Intact.")
    assert page.url == f"{site.url}/console/audit"  # htmx replaced the panel in place
    shot(page, "console-audit")
    page.emulate_media(media="print")
    shot(page, "console-audit-print")
    assert [p for p in problems if "401" not in p] == []  # the wrong password above answers 401, as it should
    page.close()


def test_tenant_admin_adds_and_corrects_a_contact(browser: Browser, site: Site) -> None:
    page = browser.new_page()
    sign_in(page, site, ADMIN_EMAIL)
    expect(page).to_have_url(f"{site.url}/portal")
    shot(page, "portal-home")
    page.get_by_role("navigation").get_by_role("link", name="Contacts").click()
    page.get_by_role("link", name="Add a contact").click()

    # the keyboard alone: type, Tab from field to field, Enter to send
    page.get_by_label("Full name").focus()
    page.keyboard.type("Grace Hopper")
    page.keyboard.press("Tab")
    page.keyboard.type("grace.example.org")
    page.keyboard.press("Tab")
    page.keyboard.type("+14155552671")
    page.keyboard.press("Enter")
    expect(page.locator("#error-email")).to_contain_text("not a valid email address")
    expect(page.get_by_label("Email address")).to_have_attribute("aria-invalid", "true")
    shot(page, "portal-contact-error")
    page.get_by_label("Email address").fill("grace@example.org")
    page.get_by_label("Job title").fill("Rear Admiral")
    page.get_by_label("Job title").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("The contact is added.")
    expect(page.get_by_role("cell", name="grace@example.org")).to_be_visible()

    page.get_by_role("link", name="Correct Grace Hopper").click()
    page.get_by_label("Job title").fill("Computer scientist")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_role("status")).to_contain_text("The contact is corrected.")
    expect(page.get_by_role("cell", name="Computer scientist")).to_be_visible()
    shot(page, "portal-contacts")

    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.reload()
    shot(page, "portal-contacts-phone")
    page.close()


def test_a_form_without_its_token_is_refused(browser: Browser, site: Site) -> None:
    page = browser.new_page()
    sign_in(page, site, ADMIN_EMAIL)
    page.goto(f"{site.url}/portal/contacts/new")
    page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(input => input.remove())")
    page.get_by_label("Full name").fill("Mallory")
    page.get_by_label("Email address").fill("mallory@example.org")
    page.get_by_role("button", name="Add the contact").click()
    expect(page.get_by_role("heading", name="Forbidden")).to_be_visible()
    expect(page.get_by_text("this form has expired or did not come from this site")).to_be_visible()
    page.goto(f"{site.url}/portal/contacts")
    expect(page.get_by_text("mallory@example.org")).to_have_count(0)
    page.close()


def test_log_out_everywhere_ends_the_other_session(browser: Browser, site: Site) -> None:
    laptop, phone = browser.new_context(), browser.new_context()
    try:
        first, second = laptop.new_page(), phone.new_page()
        sign_in(first, site, ADMIN_EMAIL)
        sign_in(second, site, ADMIN_EMAIL)
        expect(second).to_have_url(f"{site.url}/portal")
        first.goto(f"{site.url}/account")
        shot(first, "account")
        first.get_by_role("button", name="Log out everywhere").click()
        expect(first.get_by_role("status")).to_contain_text("signed out everywhere")
        second.goto(f"{site.url}/portal/contacts")
        expect(second).to_have_url(re.compile(r"/login\?next=/portal/contacts$"))
        expect(second.get_by_role("heading", name="Sign in")).to_be_visible()
    finally:
        laptop.close()
        phone.close()


def test_privacy_center_is_public(browser: Browser, site: Site) -> None:
    page = browser.new_page()
    page.goto(f"{site.url}/privacy")
    expect(page.get_by_role("heading", name="Privacy center")).to_be_visible()
    expect(page.get_by_role("link", name="privacy@omniwise.com")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    shot(page, "privacy-center")
    page.close()
