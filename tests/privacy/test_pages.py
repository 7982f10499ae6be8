"""The pages of privacy requests: the privacy center's form, confirmation and status, the portal, the console.

Every page calls `omniwise.privacy.service`; these tests check what each shows, that its
forms put problems beside their fields and keep what was typed, that the form token is
required, and that a business's admins see only their own business's requests.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from omniwise.auth.roles import Role
from omniwise.privacy.models import PrivacyRequest
from omniwise.runtime import Runtime
from tests.factories import api_token, create_tenant, person
from tests.privacy.page_helpers import awaiting_approval, open_request, overdue, set_state, verify_path
from tests.web.helpers import csrf_of, post_form, sign_in

ADDRESS = "someone@example.org"


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNIWISE_PASSWORD_HASH_MEMORY_KIB", "8192")
    monkeypatch.setenv("OMNIWISE_PASSWORD_HASH_TIME_COST", "1")


@dataclass
class Site:
    tenant: uuid.UUID
    other_tenant: uuid.UUID


@pytest.fixture
def site(client: TestClient, runtime: Runtime) -> Site:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    tenant = create_tenant(client, admin, name="Acme Ltd")
    other = create_tenant(client, admin, name="Globex")
    person(runtime, Role.TENANT_ADMIN, "admin@acme.example", tenant_id=tenant, name="Ada Admin")
    person(runtime, Role.TENANT_MEMBER, "member@acme.example", tenant_id=tenant, name="Max Member")
    person(runtime, Role.PRIVACY_OFFICER, "officer@omniwise.example", name="Priya Officer")
    person(runtime, Role.SUPPORT_AGENT, "agent@omniwise.example", name="Sam Agent")
    return Site(tenant, other)


def count_requests(runtime: Runtime) -> int:
    with runtime.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(PrivacyRequest)) or 0)


# --- the privacy center -------------------------------------------------------------------------------------------


def test_the_home_page_links_to_a_working_request_form(client: TestClient, runtime: Runtime) -> None:
    home = client.get("/privacy")
    assert 'href="/privacy/requests"' in home.text
    form = client.get("/privacy/requests")
    assert form.status_code == 200
    for label in ("Your email address", "What would you like us to do?", "Which law applies to you?"):
        assert label in form.text
    for value in ("access", "portability", "correction", "deletion", "opt_out"):
        assert f'id="type-{value}"' in form.text
    assert "I don't know" in form.text
    for law in ("gdpr", "ccpa", "kvkk"):
        assert f'<option value="{law}"' in form.text
    assert "Find out whether we hold information about you" in form.text  # the policy's own words for the right


def test_a_request_is_opened_and_the_answer_reveals_nothing(client: TestClient, runtime: Runtime) -> None:
    page = client.get("/privacy/requests")
    data = {"email": ADDRESS, "type": "deletion", "jurisdiction": "ccpa", "csrf_token": csrf_of(page.text)}
    answer = client.post("/privacy/requests/new", data=data, follow_redirects=False)
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location == "/privacy/requests/sent?type=deletion&law=ccpa"
    sent = client.get(location)
    assert sent.status_code == 200
    assert "Check your email" in sent.text
    assert "CCPA/CPRA" in sent.text
    assert "whether or not we hold information about you" in sent.text
    assert "example.org" not in sent.text
    with runtime.transaction() as session:
        row = session.scalars(select(PrivacyRequest)).one()
        assert (row.status, row.type, row.law, row.channel) == ("verifying", "deletion", "ccpa", "public")
        assert row.due_at.strftime("%d %B %Y") in sent.text

    # no law chosen: each law's period, since the law may depend on the business
    unsure = client.get("/privacy/requests/sent?type=access&law=")
    assert "one month under GDPR" in unsure.text or "1 month under GDPR" in unsure.text

    # the same address again: the same request, not a second one
    client.post("/privacy/requests/new", data=data, follow_redirects=False)
    assert count_requests(runtime) == 1


def test_form_problems_are_shown_beside_their_fields_and_nothing_typed_is_lost(
    client: TestClient, runtime: Runtime
) -> None:
    token = csrf_of(client.get("/privacy/requests").text)
    empty = client.post("/privacy/requests/new", data={"csrf_token": token})
    assert empty.status_code == 422
    assert 'id="error-type"' in empty.text
    assert 'id="error-email"' in empty.text

    bad = {
        "email": "not-an-address",
        "type": "access",
        "jurisdiction": "gdpr",
        "tenant_id": "",
        "csrf_token": token,
    }
    answer = client.post("/privacy/requests/new", data=bad)
    assert answer.status_code == 422
    assert re.search(r'id="error-email">.*not an email address', answer.text)
    assert 'value="not-an-address"' in answer.text
    assert re.search(r'id="type-access" name="type" value="access" checked', answer.text)
    assert re.search(r'<option value="gdpr" selected', answer.text)

    reference = {**bad, "email": ADDRESS, "tenant_id": "acme"}
    answer = client.post("/privacy/requests/new", data=reference)
    assert answer.status_code == 422
    assert 'id="error-tenant_id"' in answer.text
    assert 'value="acme"' in answer.text

    unknown_law = {**bad, "email": ADDRESS, "jurisdiction": "xx"}
    answer = client.post("/privacy/requests/new", data=unknown_law)
    assert answer.status_code == 422
    assert re.search(r'id="error-jurisdiction">.*must be one of', answer.text)

    correction = {**bad, "email": ADDRESS, "type": "correction"}
    answer = client.post("/privacy/requests/new", data=correction)
    assert answer.status_code == 422
    assert 'id="error-changes"' in answer.text

    moved = {**correction, "change-address_line1": "2 Low Road", "change-address_country": "Britain"}
    answer = client.post("/privacy/requests/new", data=moved)
    assert answer.status_code == 422
    assert re.search(r'id="error-change-address_country">.*two-letter country code', answer.text)  # beside it
    assert 'value="2 Low Road"' in answer.text  # nothing typed is lost
    assert count_requests(runtime) == 0


def test_the_form_shares_the_public_endpoints_limits(client: TestClient, runtime: Runtime) -> None:
    token = csrf_of(client.get("/privacy/requests").text)
    data = {"email": ADDRESS, "type": "access", "csrf_token": token}
    for _ in range(3):
        assert client.post("/privacy/requests/new", data=data, follow_redirects=False).status_code == 303
    refused = client.post("/privacy/requests/new", data=data, follow_redirects=False)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "too many privacy requests" in refused.text
    assert count_requests(runtime) == 1  # the three that passed were one request, merged


def test_forms_without_their_token_are_refused(client: TestClient, runtime: Runtime) -> None:
    client.get("/privacy/requests")
    answer = client.post("/privacy/requests/new", data={"email": ADDRESS, "type": "access"})
    assert answer.status_code == 403
    assert "this form has expired" in answer.text
    answer = client.post("/privacy/requests/verify/confirm", data={"token": "x" * 43})
    assert answer.status_code == 403
    assert count_requests(runtime) == 0


def test_the_link_shows_a_button_and_only_the_post_verifies(client: TestClient, runtime: Runtime) -> None:
    request_id = open_request(runtime, ADDRESS, type="access", verified_by=None)
    link = verify_path(runtime, request_id)
    assert link.startswith("/privacy/requests/verify?token=")
    landing = client.get(link)  # as a mail scanner would
    assert landing.status_code == 200
    assert "Confirm my request" in landing.text
    with runtime.transaction() as session:
        assert session.get(PrivacyRequest, request_id).status == "verifying"  # type: ignore[union-attr]

    token = link.partition("token=")[2]
    confirmed = client.post(
        "/privacy/requests/verify/confirm",
        data={"token": token, "csrf_token": csrf_of(landing.text)},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303
    status_url = confirmed.headers["location"]
    assert status_url.startswith(f"/privacy/requests/{request_id}?token=")
    status = client.get(status_url)
    assert status.status_code == 200
    assert "your request is confirmed" in status.text
    with runtime.transaction() as session:
        row = session.get(PrivacyRequest, request_id)
        assert row is not None
        assert row.verified_at is not None
        assert row.reference in status.text
    assert "Finding the information" in status.text  # the steps, from the workflow
    assert "example.org" not in status.text

    # the link works once
    again = client.post("/privacy/requests/verify/confirm", data={"token": token, "csrf_token": csrf_of(landing.text)})
    assert again.status_code == 410
    assert "expired or was used" in again.text
    unknown = client.post(
        "/privacy/requests/verify/confirm", data={"token": "u" * 43, "csrf_token": csrf_of(landing.text)}
    )
    assert unknown.status_code == 404
    assert "We do not know this link" in unknown.text
    assert client.get("/privacy/requests/verify").status_code == 404


def test_the_status_page_needs_its_token(client: TestClient, runtime: Runtime) -> None:
    request_id = open_request(runtime, ADDRESS, type="access", verified_by=None)
    assert client.get(f"/privacy/requests/{request_id}?token=wrong").status_code == 404
    assert client.get(f"/privacy/requests/{request_id}").status_code == 404
    assert client.get(f"/privacy/requests/{uuid.uuid4()}?token=x").status_code == 404


def test_a_completed_copy_is_offered_for_download(client: TestClient, runtime: Runtime) -> None:
    request_id = open_request(runtime, ADDRESS, type="access", verified_by=None)
    link = verify_path(runtime, request_id)
    landing = client.get(link)
    confirmed = client.post(
        "/privacy/requests/verify/confirm",
        data={"token": link.partition("token=")[2], "csrf_token": csrf_of(landing.text)},
        follow_redirects=False,
    )
    status_url = confirmed.headers["location"]
    assert "Download my information" not in client.get(status_url).text
    set_state(runtime, request_id, status="completed")
    page = client.get(status_url)
    assert "Download my information" in page.text
    token = status_url.partition("token=")[2]
    download = client.post(
        f"/privacy/requests/{request_id}/download",
        data={"token": token, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert download.status_code == 303
    assert download.headers["location"].startswith("/privacy/exports/")
    wrong = client.post(
        f"/privacy/requests/{request_id}/download",
        data={"token": "wrong", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert wrong.status_code == 404


# --- the portal ---------------------------------------------------------------------------------------------------


def test_a_tenant_admin_approves_a_customers_deletion(client: TestClient, runtime: Runtime, site: Site) -> None:
    request_id = open_request(runtime, ADDRESS, tenant_id=site.tenant)
    awaiting_approval(runtime, request_id, site.tenant)
    sign_in(client, "admin@acme.example")
    portal = client.get("/portal")
    assert 'href="/portal/requests"' in portal.text
    listing = client.get("/portal/requests")
    assert listing.status_code == 200
    assert "3 record(s) in 1 place(s)" in listing.text
    page = client.get(f"/portal/requests/{request_id}")
    assert page.status_code == 200
    assert "Zendesk user 101" in page.text
    assert "Redact the person&#39;s comments" in page.text

    # approving a deletion needs the instruction; refusing needs a reason
    missing = post_form(
        client, f"/portal/requests/{request_id}", f"/portal/requests/{request_id}/decision", {"decision": "approve"}
    )
    assert missing.status_code == 422
    assert 'id="error-instruction"' in missing.text
    no_reason = post_form(
        client, f"/portal/requests/{request_id}", f"/portal/requests/{request_id}/decision", {"decision": "refuse"}
    )
    assert no_reason.status_code == 422
    assert 'id="error-reason"' in no_reason.text

    approved = post_form(
        client,
        f"/portal/requests/{request_id}",
        f"/portal/requests/{request_id}/decision",
        {"decision": "approve", "instruction": "redact"},
    )
    assert approved.status_code == 303
    assert "approved" in client.get(approved.headers["location"]).text
    with runtime.transaction() as session:
        row = session.get(PrivacyRequest, request_id)
        assert row is not None
        assert (row.status, row.decision, row.instruction) == ("in_progress", "approved", "redact")


def test_a_tenant_admin_refuses_with_a_reason(client: TestClient, runtime: Runtime, site: Site) -> None:
    request_id = open_request(runtime, ADDRESS, type="access", tenant_id=site.tenant)
    awaiting_approval(runtime, request_id, site.tenant)
    sign_in(client, "admin@acme.example")
    refused = post_form(
        client,
        f"/portal/requests/{request_id}",
        f"/portal/requests/{request_id}/decision",
        {"decision": "refuse", "reason": "The tickets are under a court order"},
    )
    assert refused.status_code == 303
    with runtime.transaction() as session:
        row = session.get(PrivacyRequest, request_id)
        assert row is not None
        assert (row.status, row.decision) == ("refused", "refused")


def test_tenant_admins_see_only_their_own_businesss_requests(client: TestClient, runtime: Runtime, site: Site) -> None:
    mine = open_request(runtime, ADDRESS, tenant_id=site.tenant)
    theirs = open_request(runtime, "other@example.org", tenant_id=site.other_tenant)
    awaiting_approval(runtime, mine, site.tenant)
    awaiting_approval(runtime, theirs, site.other_tenant)
    sign_in(client, "admin@acme.example")
    listing = client.get("/portal/requests").text
    with runtime.transaction() as session:
        references = {row.id: row.reference for row in session.scalars(select(PrivacyRequest))}
    assert references[mine] in listing
    assert references[theirs] not in listing
    for path in (f"/portal/requests/{theirs}", f"/portal/requests/{theirs}/steps", f"/portal/privacy/copy/{theirs}"):
        assert client.get(path).status_code == 404, path
    answer = post_form(
        client,
        "/portal/requests",
        f"/portal/requests/{theirs}/decision",
        {"decision": "approve", "instruction": "redact"},
    )
    assert answer.status_code == 404
    assert client.get("/console/requests").status_code == 403


def test_members_do_not_decide(client: TestClient, runtime: Runtime, site: Site) -> None:
    sign_in(client, "member@acme.example")
    assert 'href="/portal/requests"' not in client.get("/portal").text
    assert client.get("/portal/requests").status_code == 403
    assert client.get("/portal/privacy/copy").status_code == 403


def test_a_tenant_admin_asks_for_a_copy_of_the_business_data(client: TestClient, runtime: Runtime, site: Site) -> None:
    sign_in(client, "admin@acme.example")
    assert 'href="/portal/privacy/copy"' in client.get("/portal/privacy").text
    page = client.get("/portal/privacy/copy")
    assert page.status_code == 200
    bad = post_form(client, "/portal/privacy/copy", "/portal/privacy/copy", {"type": "deletion"})
    assert bad.status_code == 422
    assert 'id="error-type"' in bad.text
    opened = post_form(client, "/portal/privacy/copy", "/portal/privacy/copy", {"type": "portability"})
    assert opened.status_code == 303
    status = client.get(opened.headers["location"])
    assert status.status_code == 200
    with runtime.transaction() as session:
        row = session.scalars(select(PrivacyRequest)).one()
        assert (row.type, row.channel, row.tenant_id) == ("portability", "portal", site.tenant)
        assert row.verification == "signed-in tenant admin"
        assert row.status in ("received", "in_progress")
        assert row.reference in status.text
        request_id = row.id
    assert "Download the copy" not in status.text
    set_state(runtime, request_id, status="completed")
    status = client.get(f"/portal/privacy/copy/{request_id}")
    assert "Download the copy" in status.text
    download = post_form(
        client, f"/portal/privacy/copy/{request_id}", f"/portal/privacy/copy/{request_id}/download", {}
    )
    assert download.status_code == 303
    assert download.headers["location"].startswith("/privacy/exports/")


# --- the console --------------------------------------------------------------------------------------------------


def test_the_console_queue_puts_overdue_requests_first(client: TestClient, runtime: Runtime, site: Site) -> None:
    later = open_request(runtime, "later@example.org", tenant_id=site.tenant)
    late = open_request(runtime, "late@example.org", type="access")
    overdue(runtime, late)
    sign_in(client, "officer@omniwise.example")
    console = client.get("/console")
    assert 'href="/console/requests"' in console.text
    queue = client.get("/console/requests")
    assert queue.status_code == 200
    with runtime.transaction() as session:
        references = {row.id: row.reference for row in session.scalars(select(PrivacyRequest))}
    assert queue.text.index(references[late]) < queue.text.index(references[later])
    assert "overdue" in queue.text
    assert "Acme Ltd" in queue.text
    assert "<svg" in queue.text  # the chart, with its table
    assert "Completed on time" in queue.text
    assert "The figures as a table" in queue.text
    filtered = client.get("/console/requests?status=completed")
    assert references[late] not in filtered.text
    assert client.get("/console/requests?status=nonsense").status_code in (404, 422)


def test_a_request_page_shows_steps_holdings_report_and_evidence(
    client: TestClient, runtime: Runtime, site: Site
) -> None:
    request_id = open_request(runtime, ADDRESS, tenant_id=site.tenant)
    report = [
        {
            "contribution": "billing",
            "category": "billing_details",
            "action": "kept",
            "where": "platform database",
            "count": 2,
            "reason": "tax records",
            "until": "2033-12-31",
        },
    ]
    set_state(runtime, request_id, report=report)
    awaiting_approval(runtime, request_id, site.tenant)
    sign_in(client, "officer@omniwise.example")
    page = client.get(f"/console/requests/{request_id}")
    assert page.status_code == 200
    assert "Finding the information" in page.text  # the steps
    assert "Zendesk user 101" in page.text  # holdings
    assert "tax records" in page.text  # the report
    assert "2033-12-31" in page.text
    assert "privacy:request:opened" in page.text  # the audit evidence
    assert "Extend and tell the person" in page.text
    assert "example.org" not in page.text

    panel = client.get(f"/console/requests/{request_id}/steps", headers={"HX-Request": "true"})
    assert panel.status_code == 200
    assert panel.text.lstrip().startswith("{#") is False
    assert 'id="request-steps"' in panel.text
    assert "<html" not in panel.text
    assert "<html" in client.get(f"/console/requests/{request_id}/steps").text  # without script: the whole page


def test_the_console_extends_and_refuses_with_reasons(client: TestClient, runtime: Runtime, site: Site) -> None:
    request_id = open_request(runtime, ADDRESS)
    sign_in(client, "officer@omniwise.example")
    path = f"/console/requests/{request_id}"
    empty = post_form(client, path, f"{path}/extension", {"extension_reason": ""})
    assert empty.status_code == 422
    assert 'id="error-extension_reason"' in empty.text
    personal = post_form(client, path, f"{path}/extension", {"extension_reason": "Ask someone@example.org"})
    assert personal.status_code == 422
    assert re.search(r'id="error-extension_reason">.*must not contain an address', personal.text)
    assert 'value="Ask someone@example.org"' in personal.text or "Ask someone@example.org</textarea>" in personal.text
    extended = post_form(client, path, f"{path}/extension", {"extension_reason": "Records in three systems"})
    assert extended.status_code == 303
    page = client.get(path)
    assert "extended to" in page.text
    assert "Extend and tell the person" not in page.text  # only one extension
    refused = post_form(client, path, f"{path}/refusal", {"refusal_reason": "Manifestly unfounded"})
    assert refused.status_code == 303
    with runtime.transaction() as session:
        row = session.get(PrivacyRequest, request_id)
        assert row is not None
        assert row.status == "refused"
        assert row.extended_to is not None


def test_support_agents_read_but_do_not_act(client: TestClient, runtime: Runtime, site: Site) -> None:
    request_id = open_request(runtime, ADDRESS)
    sign_in(client, "agent@omniwise.example")
    page = client.get(f"/console/requests/{request_id}")
    assert page.status_code == 200
    assert "Refuse and tell the person" not in page.text
    assert "Evidence in the audit chain" not in page.text  # the audit chain is not theirs to read
    answer = post_form(
        client, f"/console/requests/{request_id}", f"/console/requests/{request_id}/refusal", {"refusal_reason": "No"}
    )
    assert answer.status_code == 403
