"""Legal holds for privacy officers and run records for staff, over the API."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient

from omniwise.auth.actor import SYSTEM
from omniwise.auth.roles import Role
from omniwise.kit.clock import utcnow
from omniwise.retention.models import RetentionRun
from omniwise.retention.sweep import run_retention
from omniwise.runtime import Runtime
from tests.factories import api_token, auth, create_tenant


def _until(days: int = 30) -> str:
    return (utcnow() + timedelta(days=days)).isoformat()


def test_a_privacy_officer_places_lists_and_releases_holds(client: TestClient, runtime: Runtime) -> None:
    officer = auth(api_token(runtime, Role.PRIVACY_OFFICER))
    tenant_id = create_tenant(client, api_token(runtime, Role.VENDOR_ADMIN))
    body = {"scope": "tenant", "tenant_id": str(tenant_id), "reason": "Case 2026-17, court order", "ends_at": _until()}
    created = client.post("/api/v1/retention/holds", json=body, headers=officer)
    assert created.status_code == 201, created.text
    hold = created.json()
    assert (hold["scope"], hold["tenant_id"], hold["active"], hold["set_by_type"]) == (
        "tenant",
        str(tenant_id),
        True,
        "api_key",
    )
    category = client.post(
        "/api/v1/retention/holds",
        json={"scope": "category", "category": "usage_information", "reason": "regulator inquiry", "ends_at": _until()},
        headers=officer,
    )
    assert category.status_code == 201, category.text

    listed = client.get("/api/v1/retention/holds", headers=officer).json()["items"]
    assert {h["id"] for h in listed} == {hold["id"], category.json()["id"]}

    released = client.post(f"/api/v1/retention/holds/{hold['id']}/release", headers=officer)
    assert released.status_code == 200
    assert released.json()["active"] is False
    again = client.post(f"/api/v1/retention/holds/{hold['id']}/release", headers=officer)
    assert again.status_code == 409
    assert [h["id"] for h in client.get("/api/v1/retention/holds", headers=officer).json()["items"]] == [
        category.json()["id"]
    ]
    every = client.get("/api/v1/retention/holds?include_ended=true", headers=officer).json()["items"]
    assert len(every) == 2


def test_holds_are_checked_before_they_are_placed(client: TestClient, runtime: Runtime) -> None:
    officer = auth(api_token(runtime, Role.PRIVACY_OFFICER))
    cases = [
        ({"scope": "tenant", "reason": "case 1", "ends_at": _until()}, 422, "tenant_id"),
        (
            {
                "scope": "tenant",
                "tenant_id": str(uuid.uuid4()),
                "category": "cookies",
                "reason": "case 1",
                "ends_at": _until(),
            },
            422,
            "category",
        ),
        (
            {"scope": "tenant", "tenant_id": str(uuid.uuid4()), "reason": "case 1", "ends_at": _until()},
            404,
            "does not exist",
        ),
        (
            {"scope": "subject", "subject_id": str(uuid.uuid4()), "reason": "case 1", "ends_at": _until()},
            404,
            "does not exist",
        ),
        ({"scope": "category", "category": "nonsense", "reason": "case 1", "ends_at": _until()}, 422, "not a category"),
        ({"scope": "category", "category": "cookies", "reason": "case 1", "ends_at": _until(-1)}, 422, "future"),
        (
            {"scope": "category", "category": "cookies", "reason": "case 1", "ends_at": "2030-01-01T00:00:00"},
            422,
            "ends_at",
        ),
    ]
    for body, status, words in cases:
        response = client.post("/api/v1/retention/holds", json=body, headers=officer)
        assert response.status_code == status, (body, response.text)
        assert words in response.text
    assert client.post(f"/api/v1/retention/holds/{uuid.uuid4()}/release", headers=officer).status_code == 404


def test_who_may_see_runs_and_holds(client: TestClient, runtime: Runtime) -> None:
    tenant_id = create_tenant(client, api_token(runtime, Role.VENDOR_ADMIN))
    agent = auth(api_token(runtime, Role.SUPPORT_AGENT))
    tenant_admin = auth(api_token(runtime, Role.TENANT_ADMIN, tenant_id))
    assert client.get("/api/v1/retention/runs", headers=agent).status_code == 200
    assert client.get("/api/v1/retention/holds", headers=agent).status_code == 403
    assert client.get("/api/v1/retention/runs", headers=tenant_admin).status_code == 403
    body = {"scope": "category", "category": "cookies", "reason": "case 1", "ends_at": _until()}
    assert client.post("/api/v1/retention/holds", json=body, headers=tenant_admin).status_code == 403
    assert client.get("/api/v1/retention/runs").status_code == 401


def test_staff_read_the_runs_with_their_counts(client: TestClient, runtime: Runtime) -> None:
    staff = auth(api_token(runtime, Role.SUPPORT_AGENT))
    dry = run_retention(runtime, dry_run=True, started_by="cli", actor=SYSTEM)
    real = run_retention(runtime, dry_run=False, started_by="job", actor=SYSTEM)

    listed = client.get("/api/v1/retention/runs", headers=staff).json()
    assert [r["id"] for r in listed["items"]] == [str(real), str(dry)]
    assert listed["next_before"] is None
    only_real = client.get("/api/v1/retention/runs?include_dry_runs=false", headers=staff).json()["items"]
    assert [r["id"] for r in only_real] == [str(real)]
    page = client.get("/api/v1/retention/runs?limit=1", headers=staff).json()
    assert [r["id"] for r in page["items"]] == [str(real)]
    rest = client.get("/api/v1/retention/runs", params={"before": page["next_before"]}, headers=staff).json()
    assert [r["id"] for r in rest["items"]] == [str(dry)]

    one = client.get(f"/api/v1/retention/runs/{real}", headers=staff).json()
    assert (one["status"], one["dry_run"], one["started_by"]) == ("completed", False, "job")
    cookies = next(c for c in one["categories"] if c["category"] == "cookies")
    assert cookies["sweeper"] == "consent.records"
    assert {k: cookies[k] for k in ("period", "trigger", "action", "candidates", "deleted", "errors")} == {
        "period": "P13M",
        "trigger": "collected",
        "action": "delete",
        "candidates": 0,
        "deleted": 0,
        "errors": 0,
    }
    assert client.get(f"/api/v1/retention/runs/{uuid.uuid4()}", headers=staff).status_code == 404


def test_closing_an_account_starts_the_clock_of_account_closed(client: TestClient, runtime: Runtime) -> None:
    tenant_id = create_tenant(client, api_token(runtime, Role.VENDOR_ADMIN))
    member = auth(api_token(runtime, Role.TENANT_MEMBER, tenant_id))
    admin = auth(api_token(runtime, Role.TENANT_ADMIN, tenant_id))
    assert client.post(f"/api/v1/tenants/{tenant_id}/close", headers=member).status_code == 403
    closed = client.post(f"/api/v1/tenants/{tenant_id}/close", headers=admin)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_at"] is not None
    assert client.post(f"/api/v1/tenants/{tenant_id}/close", headers=admin).status_code == 409
    rows = run_retention(runtime, dry_run=True, started_by="cli", actor=SYSTEM, categories=["business_details"])
    with runtime.transaction() as session:
        run = session.get(RetentionRun, rows)
        assert run is not None
        assert [c.candidates for c in run.categories if c.sweeper] == [0]  # a year has not passed yet
