"""The console: the essentials at a glance, tenants with their state, retention and legal holds, disclosures."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from omniwise.auth.actor import SYSTEM
from omniwise.auth.roles import Role
from omniwise.disclosures.service import disclose
from omniwise.retention.models import LegalHold
from omniwise.retention.sweep import run_retention
from omniwise.runtime import Runtime
from omniwise.tenants.models import Tenant
from tests.factories import api_token, auth, create_tenant, create_zendesk_connection, person
from tests.web.helpers import csrf_of, post_form, sign_in


@dataclass
class Platform:
    client: TestClient
    runtime: Runtime
    acme: uuid.UUID
    globex: uuid.UUID


@pytest.fixture
def platform(client: TestClient, runtime: Runtime) -> Platform:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    acme = create_tenant(client, admin, name="Acme Ltd")
    globex = create_tenant(client, admin, name="Globex", region="tr")
    create_zendesk_connection(client, admin, acme, subdomain="acme")
    person(runtime, Role.VENDOR_ADMIN, "boss@omniwise.example")
    person(runtime, Role.PRIVACY_OFFICER, "po@omniwise.example")
    person(runtime, Role.SUPPORT_AGENT, "agent@omniwise.example")
    person(runtime, Role.TENANT_ADMIN, "admin@acme.example", tenant_id=acme)
    return Platform(client, runtime, acme, globex)


def _disclose(runtime: Runtime, tenant_id: uuid.UUID, recipient: str, categories: list[str], purpose: str) -> None:
    with runtime.transaction() as session:
        tenant = session.get(Tenant, tenant_id)
        assert tenant is not None
        disclose(
            session,
            runtime.policy,
            tenant=tenant,
            recipient_id=recipient,
            categories=categories,
            purpose=purpose,
            actor=SYSTEM,
            reference=f"ref-{recipient}",
        )


def test_the_console_home_shows_each_role_what_it_may_read(platform: Platform) -> None:
    client = platform.client
    sign_in(client, "boss@omniwise.example")
    home = client.get("/console").text
    assert "Not checked yet" in home  # the audit chain's scheduled check has not run
    assert "No run yet." in home
    assert re.search(r'<span class="figure">2</span> active', home)
    assert re.search(r'<span class="figure">0</span> in the last 30 days', home)
    assert "Not published yet." in home
    run_retention(platform.runtime, dry_run=False, started_by="cli", actor=SYSTEM)
    _disclose(platform.runtime, platform.acme, "stripe", ["billing_details"], "billing")
    again = client.get("/console").text
    assert "<strong>Running</strong>: last run finished" in again
    assert re.search(r'<span class="figure">1</span> in the last 30 days', again)
    client.cookies.clear()

    sign_in(client, "agent@omniwise.example")
    agent = client.get("/console").text
    assert 'href="/console/audit"' not in agent
    assert 'href="/console/disclosures"' not in agent
    assert 'href="/console/retention/holds"' not in agent
    assert "<strong>Running</strong>" in agent  # support agents see that retention runs


def test_tenants_show_their_zendesk_and_billing_state(platform: Platform) -> None:
    client = platform.client
    sign_in(client, "po@omniwise.example")
    listing = client.get("/console/tenants").text
    assert "acme: active, never synced" in listing
    assert "Not connected" in listing
    assert listing.count("No subscription") == 2
    details = client.get(f"/console/tenants/{platform.acme}").text
    assert "never synced" in details
    assert f'href="/console/disclosures?tenant={platform.acme}"' in details
    client.cookies.clear()
    sign_in(client, "agent@omniwise.example")  # support agents read no billing
    assert "No subscription" not in client.get("/console/tenants").text


def test_retention_runs_with_their_weekly_volumes_and_per_category_counts(platform: Platform) -> None:
    client = platform.client
    sign_in(client, "agent@omniwise.example")
    assert "Not yet." in client.get("/console/retention").text
    run_id = run_retention(platform.runtime, dry_run=False, started_by="cli", actor=SYSTEM)
    dry_id = run_retention(platform.runtime, dry_run=True, started_by="cli", actor=SYSTEM)
    page = client.get("/console/retention").text
    assert "<strong>Yes.</strong>" in page
    assert "<svg" in page
    assert "Rows deleted and anonymised by real retention runs, per week" in page
    assert f'href="/console/retention/runs/{run_id}"' in page
    assert f'href="/console/retention/runs/{dry_id}"' in page
    real_only = client.get("/console/retention", params={"dry": "false"}).text
    assert f"/console/retention/runs/{dry_id}" not in real_only
    run = client.get(f"/console/retention/runs/{run_id}")
    assert run.status_code == 200
    for category in platform.runtime.policy.categories:
        assert category.id.replace("_", " ") in run.text
    assert "consent.records" in run.text  # the sweeper of each rule
    assert "A dry run changes nothing" in client.get(f"/console/retention/runs/{dry_id}").text
    assert client.get(f"/console/retention/runs/{uuid.uuid4()}").status_code == 404
    assert client.get("/console/retention/holds").status_code == 403  # holds are for privacy officers


def test_a_privacy_officer_places_and_releases_holds(platform: Platform) -> None:
    client = platform.client
    sign_in(client, "po@omniwise.example")
    page = client.get("/console/retention/holds")
    assert "No hold is in force." in page.text
    empty = post_form(client, "/console/retention/holds", "/console/retention/holds", {"scope": "tenant"})
    assert empty.status_code == 422
    for field in ("reason", "ends_on"):
        assert f'id="error-{field}"' in empty.text
    no_target = post_form(
        client,
        "/console/retention/holds",
        "/console/retention/holds",
        {"scope": "tenant", "reason": "Dispute 2026-4", "ends_on": "2099-01-01"},
    )
    assert no_target.status_code == 422
    assert re.search(r'id="error-tenant_id">.*a tenant hold names its tenant_id', no_target.text)
    past = post_form(
        client,
        "/console/retention/holds",
        "/console/retention/holds",
        {"scope": "category", "category": "usage_information", "reason": "Case 17", "ends_on": "2001-01-01"},
    )
    assert past.status_code == 422
    assert re.search(r'id="error-ends_on">.*must be in the future', past.text)
    unknown = post_form(
        client,
        "/console/retention/holds",
        "/console/retention/holds",
        {"scope": "category", "category": "horoscopes", "reason": "Case 17", "ends_on": "2099-01-01"},
    )
    assert unknown.status_code == 422
    assert "is not a category of the privacy policy" in unknown.text

    placed = post_form(
        client,
        "/console/retention/holds",
        "/console/retention/holds",
        {"scope": "tenant", "tenant_id": str(platform.acme), "reason": "Dispute 2026-4", "ends_on": "2099-01-01"},
    )
    assert placed.status_code == 303
    listing = client.get("/console/retention/holds").text
    assert "Dispute 2026-4" in listing
    assert "2099-01-01 00:00" in listing
    with platform.runtime.transaction() as session:
        hold = session.scalars(select(LegalHold)).one()
        hold_id = hold.id
    assert hold.tenant_id == platform.acme
    release = f"/console/retention/holds/{hold_id}/release"
    assert post_form(client, "/console/retention/holds", release, {}).status_code == 303
    assert "No hold is in force." in client.get("/console/retention/holds").text
    assert "released" in client.get("/console/retention/holds", params={"ended": "true"}).text
    assert post_form(client, "/console/retention/holds", release, {}).status_code == 409
    client.cookies.clear()

    sign_in(client, "admin@acme.example")
    assert client.get("/console/retention/holds").status_code == 403


def test_disclosure_records_filtered_and_the_transfer_routes(platform: Platform) -> None:
    runtime, client = platform.runtime, platform.client
    _disclose(runtime, platform.acme, "stripe", ["billing_details"], "billing")
    _disclose(runtime, platform.globex, "email_provider", ["contact_information"], "customer_support")
    sign_in(client, "po@omniwise.example")
    everything = client.get("/console/disclosures").text
    assert "ref-stripe" in everything
    assert "ref-email_provider" in everything
    assert "SCCs" in everything  # EU data to the US
    assert "KVKK standard contract" in everything  # Turkish data to the US
    only_acme = client.get("/console/disclosures", params={"tenant": str(platform.acme)}).text
    assert "ref-stripe" in only_acme
    assert "ref-email_provider" not in only_acme
    by_recipient = client.get("/console/disclosures", params={"recipient": "email_provider"}).text
    assert "ref-email_provider" in by_recipient
    assert "ref-stripe" not in by_recipient
    assert "No disclosure matches." in client.get("/console/disclosures", params={"until": "2001-01-01"}).text
    for params, field in (({"tenant": "acme"}, "tenant"), ({"since": "2026-02-30"}, "since")):
        refused = client.get("/console/disclosures", params=params)
        assert refused.status_code == 422
        assert f'id="error-{field}"' in refused.text
    client.cookies.clear()
    sign_in(client, "agent@omniwise.example")
    assert client.get("/console/disclosures").status_code == 403


def test_the_disclosure_records_api_answers_staff_who_may_read_them(client: TestClient, runtime: Runtime) -> None:
    tenant = create_tenant(client, api_token(runtime, Role.VENDOR_ADMIN))
    _disclose(runtime, tenant, "stripe", ["billing_details"], "billing")
    officer = auth(api_token(runtime, Role.PRIVACY_OFFICER))
    listed = client.get("/api/v1/disclosures", params={"tenant_id": str(tenant)}, headers=officer)
    assert listed.status_code == 200
    [record] = listed.json()["items"]
    assert (record["recipient_id"], record["categories"], record["transfer_mechanism"]) == (
        "stripe",
        ["billing_details"],
        "scc",
    )
    assert client.get("/api/v1/disclosures", params={"recipient_id": "zendesk"}, headers=officer).json()["items"] == []
    refused = client.get("/api/v1/disclosures", headers=auth(api_token(runtime, Role.SUPPORT_AGENT)))
    assert refused.status_code == 403
    tenant_admin = auth(api_token(runtime, Role.TENANT_ADMIN, tenant))
    assert client.get("/api/v1/disclosures", headers=tenant_admin).status_code == 403
    backwards = client.get(
        "/api/v1/disclosures", params={"since": "2025-02-01", "until": "2025-01-01"}, headers=officer
    )
    assert backwards.status_code == 422


def test_the_audit_page_verifies_with_htmx_and_without(platform: Platform) -> None:
    client = platform.client
    sign_in(client, "boss@omniwise.example")
    token = csrf_of(client.get("/console/audit").text)
    fragment = client.post("/console/audit/verify", headers={"hx-request": "true", "x-csrf-token": token})
    assert fragment.status_code == 200
    assert "Intact." in fragment.text
