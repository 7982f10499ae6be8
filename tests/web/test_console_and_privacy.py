"""The console's audit page and the public privacy center."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import update

from omniwise.audit.models import AuditEvent, AuditVerification
from omniwise.auth.roles import Role
from omniwise.runtime import Runtime
from tests.factories import api_token, create_tenant, person
from tests.web.helpers import csrf_of, post_form, sign_in


def test_audit_page_shows_the_stored_check_and_verifies_on_demand(client: TestClient, runtime: Runtime) -> None:
    create_tenant(client, api_token(runtime, Role.VENDOR_ADMIN))
    person(runtime, Role.PRIVACY_OFFICER, "po@omniwise.example")
    sign_in(client, "po@omniwise.example")
    page = client.get("/console/audit")
    assert "has not run yet" in page.text
    assert "<svg" in page.text  # events per week
    assert "The figures as a table" in page.text

    with runtime.transaction() as session:
        session.add(AuditVerification(ok=True, events_checked=42, first_bad_seq=None, reason=None))
    assert "42 event(s) checked" in client.get("/console/audit").text

    token = csrf_of(client.get("/console/audit").text)
    fragment = client.post("/console/audit/verify", data={"csrf_token": token}, headers={"hx-request": "true"})
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="chain-status"')
    assert "<strong>Intact.</strong>" in fragment.text

    with runtime.transaction() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(actor_id="forged"))
    full = post_form(client, "/console/audit", "/console/audit/verify", {})
    assert full.status_code == 200
    assert "<html" in full.text
    assert re.search(r"Broken at event 1\.</strong> event content does not match its hash", full.text)


def test_support_agents_do_not_see_the_audit_chain(client: TestClient, runtime: Runtime) -> None:
    person(runtime, Role.SUPPORT_AGENT, "agent@omniwise.example")
    sign_in(client, "agent@omniwise.example")
    assert 'href="/console/audit"' not in client.get("/console").text
    assert client.get("/console/audit").status_code == 403


def test_privacy_center_names_the_controller_and_channels(client: TestClient, runtime: Runtime) -> None:
    page = client.get("/privacy")
    assert page.status_code == 200
    policy = runtime.policy
    assert policy.controller.legal_name in page.text
    for channel in policy.channels:
        assert channel.name in page.text
    assert 'href="mailto:privacy@omniwise.com"' in page.text
    assert "Sarıyer" in page.text
    assert 'href="/privacy/notice"' in page.text
    assert 'href="/privacy/requests"' in page.text
    for right in policy.rights.items:
        assert right.name in page.text
