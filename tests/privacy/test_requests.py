"""Each type of request for a contact, end to end through the API and the in-process worker."""

from __future__ import annotations

import io
import zipfile

from fastapi.testclient import TestClient

from omniwise.auth.roles import Role
from omniwise.runtime import Runtime
from omniwise.worker.process import BackgroundJobs
from tests.factories import api_token, auth, create_contact, create_tenant
from tests.privacy.helpers import events, new_request, wait_for

EMAIL = "ada.subject@example.org"


def test_deletion_of_a_contact_runs_every_step_and_completes_once(
    client: TestClient, runtime: Runtime, jobs: BackgroundJobs
) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    officer = api_token(runtime, Role.PRIVACY_OFFICER)
    tenant = create_tenant(client, admin)
    contact = create_contact(client, admin, tenant, email=EMAIL)
    created = new_request(client, officer, tenant, EMAIL, "deletion")
    assert created["status"] in {"received", "in_progress"}
    assert created["due_at"]
    assert created["verification"] == "verified by privacy-officer"
    done = wait_for(client, officer, created["id"], "completed", "refused")
    assert done["status"] == "completed"
    names = [step["name"] for step in done["steps"]]
    assert names[0] == "locate"
    assert names[-2:] == ["report", "notify"]
    assert "erase" in names
    assert all(step["status"] == "done" for step in done["steps"])
    assert any(line["action"] == "deleted" and line["contribution"] == "contacts" for line in done["report"])
    assert client.get(f"/api/v1/tenants/{tenant}/contacts/{contact}", headers=auth(admin)).status_code == 404
    assert events(runtime, "privacy:request:completed", created["id"]) == 1
    # the finished request has no export
    assert client.get(f"/api/v1/privacy-requests/{created['id']}/export", headers=auth(officer)).status_code == 409


def test_access_gives_a_zip_once_completed(client: TestClient, runtime: Runtime, jobs: BackgroundJobs) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    officer = api_token(runtime, Role.PRIVACY_OFFICER)
    tenant = create_tenant(client, admin)
    create_contact(client, admin, tenant, email=EMAIL)
    created = new_request(client, officer, tenant, EMAIL, "access")
    done = wait_for(client, officer, created["id"], "completed", "refused")
    assert done["status"] == "completed", done["steps"]
    # each part is read once, by the archive, which also counts what went in for the report
    assert [s["name"] for s in done["steps"]] == ["locate", "archive", "report", "notify"]
    exported = [line for line in done["report"] if line["action"] == "exported"]
    assert [(line["contribution"], line["where"], line["count"]) for line in exported] == [("contacts", "contacts", 1)]
    response = client.get(f"/api/v1/privacy-requests/{created['id']}/export", headers=auth(officer))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert any(name.endswith(".schema.json") for name in names)
    assert events(runtime, "privacy:export:downloaded", created["id"]) == 1
    # a one-time link works once
    link = client.post(f"/api/v1/privacy-requests/{created['id']}/export-links", headers=auth(officer)).json()["path"]
    assert client.get(link).status_code == 200
    assert client.get(link).status_code == 410
    assert client.get("/privacy/exports/" + "x" * 43).status_code == 404


def test_opt_out_and_correction_complete(client: TestClient, runtime: Runtime, jobs: BackgroundJobs) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    officer = api_token(runtime, Role.PRIVACY_OFFICER)
    tenant = create_tenant(client, admin)
    contact = create_contact(client, admin, tenant, email=EMAIL)
    opt_out = new_request(client, officer, tenant, EMAIL, "opt_out")
    done = wait_for(client, officer, opt_out["id"], "completed", "refused")
    assert done["status"] == "completed"
    assert any(line["action"] == "suppressed" for line in done["report"])
    fix = new_request(client, officer, tenant, EMAIL, "correction", changes={"name": "Ada King"})
    done = wait_for(client, officer, fix["id"], "completed", "refused")
    assert done["status"] == "completed"
    assert any(line["action"] == "corrected" for line in done["report"])
    read = client.get(f"/api/v1/tenants/{tenant}/contacts/{contact}", headers=auth(admin)).json()
    assert read["name"] == "Ada King"


def test_a_tenant_admin_sees_and_opens_only_for_their_own_business(
    client: TestClient, runtime: Runtime, jobs: BackgroundJobs
) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    own, other = create_tenant(client, admin, name="Own"), create_tenant(client, admin, name="Other")
    own_admin = api_token(runtime, Role.TENANT_ADMIN, own)
    other_request = new_request(client, admin, other, EMAIL, "access")
    assert client.get(f"/api/v1/privacy-requests/{other_request['id']}", headers=auth(own_admin)).status_code == 404
    for action, body in (("decision", {"approve": True}), ("extension", {"reason": "x"}), ("refusal", {"reason": "x"})):
        response = client.post(
            f"/api/v1/privacy-requests/{other_request['id']}/{action}", json=body, headers=auth(own_admin)
        )
        assert response.status_code == 404, action
    body = {"type": "access", "tenant_id": str(other), "subject": {"email": EMAIL}, "jurisdiction": "gdpr"}
    assert client.post("/api/v1/privacy-requests", json=body, headers=auth(own_admin)).status_code == 404
    mine = new_request(client, own_admin, own, EMAIL, "access")
    listed = client.get("/api/v1/privacy-requests", headers=auth(own_admin)).json()["items"]
    assert [item["id"] for item in listed] == [mine["id"]]
    member = api_token(runtime, Role.TENANT_MEMBER, own)
    assert client.get("/api/v1/privacy-requests", headers=auth(member)).status_code == 403
