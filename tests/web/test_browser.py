"""Journeys in a real browser: Debian's Chromium, driven by Playwright, against the platform served on loopback.

The platform runs with its job worker, the in-memory Stripe and a Zendesk sandbox, with
two published versions of the notice, a retention run, a disclosure and some usage, so
that every main page has something to show. Screenshots of the main pages are saved to
test-artifacts/screenshots/ for people to look at. These run on the embedded SQLite
default only: the pages' database behaviour is covered on both databases by the other
page tests. The browser, the server and the screenshots are the shared ones of
`tests.browser` and `tests.live`.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import pyotp
import pytest
from typer.testing import CliRunner

from omniwise.auth.actor import SYSTEM
from omniwise.auth.roles import Role
from omniwise.cli.main import app as cli
from omniwise.config import Settings, get_settings
from omniwise.contacts.schemas import ContactCreate
from omniwise.contacts.service import create_contact
from omniwise.disclosures.service import disclose
from omniwise.kit.clock import utcnow
from omniwise.migrate import upgrade_all
from omniwise.policy.service import publish
from omniwise.retention.sweep import run_retention
from omniwise.runtime import Runtime, build_runtime
from omniwise.sandbox.server import SandboxServer
from omniwise.tenants.models import Tenant
from omniwise.tenants.schemas import Region, TenantCreate
from omniwise.tenants.service import create_tenant
from omniwise.usage.service import record_usage, roll_up_day
from omniwise.worker.process import BackgroundJobs
from tests.browser import PLAYWRIGHT_MISSING, shot, skip_reason
from tests.cli.helpers import free_port
from tests.factories import PASSWORD, person
from tests.live import live_server
from tests.policy.helpers import shipped_policy, variant
from tests.zendesk.helpers import sandbox_config

STAFF_EMAIL = "olivia@omniwise.example"
OFFICER_EMAIL = "priya@omniwise.example"
REVIEWER_EMAIL = "victor@omniwise.example"
ADMIN_EMAIL = "ada@acme.example"
# version 2 of the notice keeps cookie records longer: a significant change
LONGER_COOKIES = (
    "      period: P13M\n      trigger: collected\n      action: delete\n",
    "      period: P2Y\n      trigger: collected\n      action: delete\n",
)
WAIT_MS = 60_000

pytestmark = pytest.mark.browser

expect = pytest.importorskip("playwright.sync_api", reason=PLAYWRIGHT_MISSING).expect

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page


@dataclass
class Site:
    url: str
    runtime: Runtime
    tenant_id: uuid.UUID
    sandbox: SandboxServer


def _seed(runtime: Runtime, tenant_id: uuid.UUID) -> None:
    """Something for every main page to show: notice versions, a retention run, a disclosure, usage, a contact."""
    with runtime.transaction() as session:
        publish(session, shipped_policy(), actor=SYSTEM)
        publish(session, variant(LONGER_COOKIES), actor=SYSTEM)
        tenant = session.get(Tenant, tenant_id)
        assert tenant is not None
        create_contact(
            session,
            runtime.keyring,
            actor=SYSTEM,
            tenant=tenant,
            data=ContactCreate(name="Alan Turing", email="alan@acme.example", job_title="Engineer"),
        )
        disclose(
            session,
            runtime.policy,
            tenant=tenant,
            recipient_id="stripe",
            categories=["billing_details"],
            purpose="billing",
            actor=SYSTEM,
            reference="cus_seeded",
        )
        today = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)
        for days_ago in range(1, 15):
            moment = today - timedelta(days=days_ago)
            for n in range(days_ago % 5 + 1):
                outcome = "4xx" if n == 3 else "2xx"
                for feature in (
                    "GET /api/v1/tenants/{tenant_id}/contacts",
                    "POST /api/v1/tenants/{tenant_id}/contacts",
                ):
                    record_usage(
                        session,
                        feature=feature,
                        outcome=outcome,
                        tenant_id=tenant_id,
                        actor_type="user",
                        actor_id="seed",
                        at=moment,
                    )
            roll_up_day(session, day=moment.date())
    run_retention(runtime, dry_run=False, started_by="cli", actor=SYSTEM)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The platform on a free loopback port with its worker, a staff account made by `omniwise users create`."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    data_dir = tmp_path_factory.mktemp("browser") / "var"
    env = {
        "OMNIWISE_DATA_DIR": str(data_dir),
        "OMNIWISE_ENVIRONMENT": "test",
        "OMNIWISE_PASSWORD_HASH_MEMORY_KIB": "8192",
        "OMNIWISE_PASSWORD_HASH_TIME_COST": "1",
        "OMNIWISE_STRIPE_GATEWAY": "memory",
        "OMNIWISE_STRIPE_PRICES": '{"messenger-monthly": "price_monthly", "messenger-yearly": "price_yearly"}',
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
    person(runtime, Role.PRIVACY_OFFICER, OFFICER_EMAIL, name="Priya Officer")
    person(runtime, Role.VENDOR_ADMIN, REVIEWER_EMAIL, name="Victor Reviewer")
    _seed(runtime, tenant_id)
    jobs = BackgroundJobs(runtime, consume=True, reconcile=False)
    try:
        with (
            SandboxServer(sandbox_config(), port=free_port()) as sandbox,
            live_server(runtime, on_startup=jobs.start, on_shutdown=jobs.stop) as url,
        ):
            yield Site(url, runtime, tenant_id, sandbox)
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


def watch_problems(page: Page) -> list[str]:
    """Script errors and content-security-policy refusals of a page, collected as they happen."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def enrol_staff(page: Page, site: Site, email: str) -> None:
    """A member of staff's first sign-in: password, then an authenticator set up from the key the page shows."""
    sign_in(page, site, email)
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site.url}/console")


def dismiss_cookie_banner(page: Page) -> None:
    """The privacy center asks about cookies first; refusing is as easy as accepting."""
    page.locator("#ow-cc-reject").click()
    expect(page.locator("#ow-cc-banner")).to_have_count(0)


def test_tenant_admin_connects_the_zendesk_sandbox_and_sees_the_sync_finish(browser: Browser, site: Site) -> None:
    page = browser.new_page()
    problems = watch_problems(page)
    sign_in(page, site, ADMIN_EMAIL)
    page.get_by_role("navigation").get_by_role("link", name="Zendesk").click()
    expect(page.get_by_text("No Zendesk account is connected yet.")).to_be_visible()
    page.get_by_role("link", name="Connect a Zendesk account").click()
    sandbox = site.sandbox.config
    page.get_by_label("Zendesk subdomain").fill(sandbox.subdomain)
    page.get_by_label("Account address").fill(site.sandbox.base_url)
    page.get_by_label("Email address of the Zendesk admin").fill(sandbox.email)
    page.get_by_label("API token", exact=True).fill(sandbox.api_token)
    shot(page, "portal-zendesk-connect")
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Connected to {sandbox.subdomain}")
    expect(page.locator("#sync-state")).to_contain_text("has not been synced yet")
    connection_url = page.url

    page.get_by_role("button", name="Start a sync").click()
    expect(page.locator("#sync-state")).to_contain_text("Sync finished", timeout=WAIT_MS)
    assert page.url == connection_url  # htmx followed the sync in place
    expect(page.locator("#sync-progress")).to_have_attribute("value", "3")
    expect(page.get_by_role("row", name=re.compile(r"^Tickets and comments Done"))).to_be_visible()
    shot(page, "portal-zendesk-connection")
    page.get_by_role("navigation").get_by_role("link", name="Zendesk").click()
    expect(page.get_by_role("cell", name=re.compile("^succeeded"))).to_be_visible()
    shot(page, "portal-zendesk")
    assert problems == []
    page.close()


def test_a_privacy_officer_adds_and_releases_a_legal_hold(browser: Browser, site: Site) -> None:
    page = browser.new_page()
    problems = watch_problems(page)
    enrol_staff(page, site, OFFICER_EMAIL)
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="Usage")).to_have_count(0)  # a privacy officer's menu is their role's
    nav.get_by_role("link", name="Legal holds").click()
    expect(page.get_by_text("No hold is in force.")).to_be_visible()

    page.get_by_role("button", name="Place the hold").click()  # nothing filled in: every problem is named
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#error-reason")).to_be_visible()
    expect(page.locator("#error-ends_on")).to_contain_text("choose the day the hold ends")

    page.get_by_label("One category, for every business").check()
    page.get_by_label("Category (for a category hold)").select_option(label="Usage information")
    page.get_by_label("Why").fill("Case 2026-17: the regulator asked us to keep usage records")
    page.get_by_label("Until").fill("2030-06-30")
    page.get_by_role("button", name="Place the hold").click()
    expect(page.get_by_role("status")).to_contain_text("The hold is placed")
    row = page.get_by_role("row", name=re.compile("Category usage information"))
    expect(row).to_contain_text("in force")
    expect(row).to_contain_text("2030-06-30 00:00")
    shot(page, "console-holds")

    row.get_by_role("button", name=re.compile("^Release")).click()
    expect(page.get_by_role("status")).to_contain_text("The hold is released")
    expect(page.get_by_text("No hold is in force.")).to_be_visible()
    page.get_by_role("link", name="Show ended and released holds too").click()
    expect(page.get_by_role("row", name=re.compile("Category usage information"))).to_contain_text("released")
    assert [p for p in problems if "status of 422" not in p] == []  # the empty form above answers 422, as it should
    page.close()


def test_the_policy_diff_shows_a_significant_change(browser: Browser, site: Site) -> None:
    page = browser.new_page()
    problems = watch_problems(page)
    page.goto(f"{site.url}/privacy")
    dismiss_cookie_banner(page)
    page.get_by_role("link", name="Earlier versions").first.click()
    expect(page.get_by_role("heading", name="Earlier versions of the notice")).to_be_visible()
    shot(page, "privacy-versions")
    page.get_by_label("From version").select_option("1")
    page.get_by_label("To version").select_option("2")
    page.get_by_role("button", name="Show the changes").click()
    expect(page.get_by_role("heading", name="Changes from version 1 to version 2")).to_be_visible()
    expect(page.get_by_text("1 change(s), 1 of them significant.")).to_be_visible()
    change = page.locator("ul.changes li.significant")
    expect(change).to_contain_text("Significant")
    expect(change).to_contain_text("kept for 2 years instead of 13 months")
    expect(page.get_by_role("heading", name="5. Data retention")).to_be_visible()
    shot(page, "privacy-versions-compare")
    page.emulate_media(media="print")
    shot(page, "privacy-versions-compare-print")
    assert problems == []
    page.close()


def test_cookie_preferences_work_without_script(browser: Browser, site: Site) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site.url}/privacy/cookies/preferences")
        expect(page.get_by_label("Strictly necessary cookies are always on")).to_be_disabled()
        page.get_by_label("Allow analytics cookies").check()
        page.get_by_role("button", name="Save my choices").click()
        expect(page.get_by_role("status")).to_contain_text("strictly necessary cookies, and analytics cookies")
        expect(page.get_by_label("Allow analytics cookies")).to_be_checked()
        expect(page.get_by_label("Allow marketing cookies")).not_to_be_checked()
        consent = next(c for c in context.cookies() if c["name"] == "ow_consent")
        assert consent["value"].startswith("v1.")
        assert consent["value"].endswith(".analytics")
        assert consent["httpOnly"] is False  # the banner's script reads the same choice
        shot(page, "privacy-cookie-preferences")
    finally:
        context.close()


CONSOLE_PAGES = [
    ("console-home", "/console", "Console"),
    ("console-tenants", "/console/tenants", "Tenants"),
    ("console-policy", "/console/policy", "Privacy policy"),
    ("console-policy-compare", "/console/policy/compare?from=1&to=2", "Changes from version 1 to version 2"),
    ("console-retention", "/console/retention", "Retention"),
    ("console-disclosures", "/console/disclosures", "Disclosures and transfers"),
]
PORTAL_PAGES = [
    ("portal-business", "/portal/business", "Business details"),
    ("portal-your-data", "/portal/privacy", "Your business's data"),
    ("portal-promotions", "/portal/privacy/promotions", "Promotional messages"),
    ("portal-billing-details", "/portal/billing/details", "Correct the billing details"),
    ("portal-subscription", "/portal/subscription", "Subscription"),
    ("portal-usage", "/portal/usage", "Usage"),
    ("portal-close", "/portal/close", "Close Acme Ltd's account"),
]


def test_screenshots_of_the_main_pages(browser: Browser, site: Site) -> None:
    """Every main page renders for its people without a script error or a refused resource, also on a phone."""
    staff = browser.new_page()
    problems = watch_problems(staff)
    enrol_staff(staff, site, REVIEWER_EMAIL)
    for name, path, heading in CONSOLE_PAGES:
        staff.goto(site.url + path)
        expect(staff.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        shot(staff, name)
    staff.goto(f"{site.url}/console/tenants/{site.tenant_id}")
    expect(staff.get_by_role("heading", name="Acme Ltd")).to_be_visible()
    shot(staff, "console-tenant")
    staff.goto(f"{site.url}/console/retention")
    staff.get_by_role("table").get_by_role("link").first.click()
    expect(staff.get_by_role("heading", name=re.compile("^Retention run of"))).to_be_visible()
    shot(staff, "console-retention-run")
    staff.emulate_media(media="print")
    staff.goto(f"{site.url}/console/retention")
    shot(staff, "console-retention-print")
    staff.close()

    page = browser.new_page()
    problems += watch_problems(page)
    sign_in(page, site, ADMIN_EMAIL)
    for name, path, heading in PORTAL_PAGES:
        page.goto(site.url + path)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        shot(page, name)
    page.goto(f"{site.url}/portal/subscription")
    page.get_by_label("Plan", exact=True).select_option("messenger-yearly")
    page.get_by_role("button", name="Subscribe with Stripe Checkout").click()
    expect(page.get_by_role("link", name="Continue to Stripe Checkout")).to_have_attribute(
        "href", re.compile(r"^https://stripe\.invalid/")
    )
    shot(page, "portal-stripe-checkout")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    for name, path in (("portal-your-data-phone", "/portal/privacy"), ("portal-usage-phone", "/portal/usage")):
        page.goto(site.url + path)
        shot(page, name)
    page.goto(f"{site.url}/privacy")
    expect(page.locator("#ow-cc-banner")).to_be_visible()  # the banner, styled by the site's stylesheet
    shot(page, "privacy-center-banner-phone")
    page.close()
    assert problems == []
