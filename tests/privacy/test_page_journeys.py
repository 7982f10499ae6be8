"""Privacy requests in a real browser: Debian's Chromium, driven by Playwright, against the platform on loopback.

Three journeys: a person asks for deletion in the privacy center and follows the emailed
link (read from a real SMTP server on loopback) to the status page; a business's admin
approves the request of a customer of its Zendesk (the sandbox, synced), which is then
carried out there; a privacy officer finds an overdue request in the console. The platform
runs with its job worker, so the requests' steps really run. Screenshots go
to test-artifacts/screenshots/. These run on the embedded SQLite default only: the pages'
database behaviour is covered on both databases by tests/privacy/test_pages.py.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyotp
import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select

from omniwise.app import create_app
from omniwise.auth.actor import SYSTEM
from omniwise.auth.roles import Role
from omniwise.config import Settings
from omniwise.contacts.schemas import ContactCreate
from omniwise.contacts.service import create_contact
from omniwise.migrate import upgrade_all
from omniwise.privacy.models import PrivacyRequest
from omniwise.runtime import Runtime, build_runtime
from omniwise.sandbox.server import SandboxServer
from omniwise.tenants.models import Tenant
from omniwise.worker.process import BackgroundJobs
from tests.browser import PLAYWRIGHT_MISSING, eventually, shot, skip_reason
from tests.cli.helpers import free_port
from tests.factories import PASSWORD, person
from tests.live import live_server
from tests.messaging.conftest import Inbox
from tests.privacy.page_helpers import open_request, overdue
from tests.zendesk.helpers import connect, sandbox_config, sync_now

ADMIN_EMAIL = "ada@acme.example"
OFFICER_EMAIL = "priya@omniwise.example"
CONTACT_EMAIL = "alan@acme.example"
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
    inbox: Inbox
    sandbox: SandboxServer


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The platform with its worker and a real SMTP server; a business with a contact, its admin, an officer."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("request-journeys") / "var",
        environment="test",
        smtp_url=f"smtp://127.0.0.1:{smtp.port}",
        password_hash_memory_kib=8192,
        password_hash_time_cost=1,
    )
    runtime = build_runtime(settings)
    upgrade_all(runtime.engine, runtime.keyring.engine)
    sandbox = SandboxServer(sandbox_config(), port=free_port())
    sandbox.__enter__()
    # the business's Zendesk is the sandbox, synced, so its customers are found where they really are
    with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
        connected = connect(client, runtime, sandbox)
    sync_now(connected)
    tenant_id = uuid.UUID(connected.tenant_id)
    with runtime.transaction() as session:
        create_contact(
            session,
            runtime.keyring,
            actor=SYSTEM,
            tenant=session.get(Tenant, tenant_id),  # type: ignore[arg-type]
            data=ContactCreate(name="Alan Turing", email=CONTACT_EMAIL),
        )
    person(runtime, Role.TENANT_ADMIN, ADMIN_EMAIL, tenant_id=tenant_id, name="Ada Admin")
    person(runtime, Role.PRIVACY_OFFICER, OFFICER_EMAIL, name="Priya Officer")
    jobs = BackgroundJobs(runtime, consume=True, reconcile=False)
    try:
        with live_server(runtime, on_startup=jobs.start, on_shutdown=jobs.stop) as url:
            yield Site(url, runtime, tenant_id, inbox, sandbox)
    finally:
        runtime.dispose()
        sandbox.__exit__(None, None, None)
        smtp.stop()


def watch_problems(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def sign_in(page: Page, site: Site, email: str) -> None:
    page.goto(f"{site.url}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def verification_link(site: Site, address: str) -> str:
    """The confirmation link's path, from the message the SMTP server received for `address`."""

    def find() -> str | None:
        for recipients, message in site.inbox.received:
            body = message.get_body(preferencelist=("plain",))
            text = body.get_content() if body is not None else ""
            found = re.search(r"https?://\S+?(/privacy/requests/verify\?token=[\w-]+)", text)
            if address in recipients and found:
                return found.group(1)
        return None

    return eventually("the verification message", find, timeout=30)


def test_a_person_asks_for_deletion_and_follows_the_link(browser: Browser, site: Site) -> None:
    page = browser.new_page()
    problems = watch_problems(page)
    page.goto(f"{site.url}/privacy")
    page.locator("#ow-cc-reject").click()  # the cookie banner: refusing is as easy as accepting
    page.get_by_role("link", name="Make a request").first.click()
    expect(page.get_by_role("heading", name="Make a request about your information")).to_be_visible()

    page.get_by_role("button", name="Send the request").click()  # nothing filled in: each problem beside its field
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#error-email")).to_contain_text("enter the email address")
    expect(page.locator("#error-type")).to_contain_text("choose what you would like us to do")
    shot(page, "privacy-request-form-errors")

    page.get_by_label("Your email address").fill(CONTACT_EMAIL)
    page.get_by_label("Delete it").check()
    page.get_by_label("Which law applies to you?").select_option("gdpr")
    shot(page, "privacy-request-form")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(page.get_by_text("as GDPR requires")).to_be_visible()
    shot(page, "privacy-request-sent")

    page.goto(site.url + verification_link(site, CONTACT_EMAIL))
    expect(page.get_by_role("heading", name="Confirm your request")).to_be_visible()
    shot(page, "privacy-request-confirm")
    page.get_by_role("button", name="Confirm my request").click()
    expect(page.get_by_role("status").first).to_contain_text("your request is confirmed")
    expect(page.get_by_role("heading", name=re.compile(r"^Your request PR-"))).to_be_visible()
    # the steps run in the worker; htmx follows them in place until the request completes
    status_url = page.url
    expect(page.locator("#request-state")).to_contain_text("Completed", timeout=WAIT_MS)
    assert page.url == status_url
    expect(page.get_by_role("row", name=re.compile(r"^Deleting"))).to_contain_text("done")
    shot(page, "privacy-request-status")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    shot(page, "privacy-request-status-phone")
    assert [p for p in problems if "status of 422" not in p] == []  # the empty form answers 422, as it should
    page.close()


def status_of(site: Site, request_id: uuid.UUID) -> str:
    with site.runtime.transaction() as session:
        return str(session.scalars(select(PrivacyRequest.status).where(PrivacyRequest.id == request_id)).one())


def test_a_tenant_admin_approves_a_customers_request(browser: Browser, site: Site) -> None:
    """A customer in the business's Zendesk (the sandbox) asks for deletion; the business decides, we carry it out."""
    store = site.sandbox.sandbox.store
    customer = next(u for u in store.users.values() if u.role == "end-user" and u.email)
    assert customer.email is not None
    request_id = open_request(site.runtime, customer.email, tenant_id=site.tenant_id)
    eventually(
        "the request to wait for the business", lambda: status_of(site, request_id) == "awaiting_approval", timeout=60
    )

    page = browser.new_page()
    problems = watch_problems(page)
    sign_in(page, site, ADMIN_EMAIL)
    page.get_by_role("navigation").get_by_role("link", name="Customer requests").click()
    expect(page.get_by_role("heading", name="Customer requests")).to_be_visible()
    shot(page, "portal-customer-requests")
    page.get_by_role("link", name=re.compile(r"^Decide PR-")).click()
    expect(page.get_by_role("rowheader", name=re.compile(r"^Zendesk user"))).to_be_visible()

    page.get_by_role("button", name="Approve the request").click()  # no instruction chosen yet
    expect(page.locator("#error-instruction")).to_contain_text("choose what should happen")
    page.get_by_label("Redact the person's comments and keep the tickets").check()
    shot(page, "portal-customer-request")
    page.get_by_role("button", name="Approve the request").click()
    expect(page.get_by_role("status")).to_contain_text("is approved")
    expect(page.get_by_text("No customer request is waiting for your decision.")).to_be_visible()

    # carried out in the sandbox Zendesk by the worker; the request's page follows it to the end
    page.get_by_role("link", name=re.compile(r"^PR-")).click()
    expect(page.locator("#request-state")).to_contain_text("Completed", timeout=WAIT_MS)
    expect(page.get_by_role("heading", name="What was done")).to_be_visible()
    shot(page, "portal-customer-request-completed")
    with site.runtime.transaction() as session:
        row = session.get(PrivacyRequest, request_id)
        assert row is not None
        assert (row.decision, row.instruction) == ("approved", "redact")
    assert [p for p in problems if "status of 422" not in p] == []  # the first try answers 422, as it should
    page.close()


def test_a_privacy_officer_finds_an_overdue_request(browser: Browser, site: Site) -> None:
    request_id = open_request(site.runtime, "late@example.org", type="access", verified_by=None)
    overdue(site.runtime, request_id)
    with site.runtime.transaction() as session:
        reference = session.scalars(select(PrivacyRequest.reference).where(PrivacyRequest.id == request_id)).one()
    page = browser.new_page()
    problems = watch_problems(page)
    sign_in(page, site, OFFICER_EMAIL)
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site.url}/console")

    page.get_by_role("navigation").get_by_role("link", name="Privacy requests").click()
    first = page.get_by_role("row").nth(1)  # overdue first
    expect(first).to_contain_text(reference)
    expect(first).to_contain_text("overdue")
    expect(page.locator("figure.chart svg")).to_be_visible()
    shot(page, "console-privacy-requests")
    page.emulate_media(media="print")
    shot(page, "console-privacy-requests-print")
    page.emulate_media(media="screen")

    page.get_by_role("link", name=reference).click()
    expect(page.get_by_text("Overdue.")).to_be_visible()
    expect(page.get_by_role("heading", name="Evidence in the audit chain")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("privacy:request:opened"))).to_be_visible()
    shot(page, "console-privacy-request")
    page.get_by_label("Why it is refused").fill("The person withdrew the request by phone")
    page.get_by_role("button", name="Refuse and tell the person").click()
    expect(page.get_by_role("status").first).to_contain_text("The request is refused")
    assert problems == []
    page.close()
