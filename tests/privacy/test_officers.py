"""What privacy officers do with requests: extend them inside the notice window, refuse them, read the weekly
figures, and the daily watch that raises due-soon and overdue requests to them by reference only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from omniwise.audit.models import AuditEvent
from omniwise.auth.roles import Role
from omniwise.messaging.models import OutboxMessage
from omniwise.policy.binding import policy_for
from omniwise.privacy.deadlines import deadlines_for
from omniwise.privacy.models import PrivacyRequest, PrivacyRequestStep
from omniwise.privacy.service import weekly_figures
from omniwise.runtime import Runtime
from omniwise.worker import JobStatus
from omniwise.worker.runner import run_job
from omniwise.worker.schedule import daily_jobs, schedule
from tests.factories import api_token, auth, create_tenant, person
from tests.privacy.helpers import events, new_request

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # a Wednesday


def _set(runtime: Runtime, request_id: str, **values: Any) -> None:
    with runtime.transaction() as session:
        session.execute(update(PrivacyRequest).where(PrivacyRequest.id == uuid.UUID(request_id)).values(**values))


def _row(runtime: Runtime, request_id: str) -> PrivacyRequest:
    with runtime.transaction() as session:
        row = session.get(PrivacyRequest, uuid.UUID(request_id))
        assert row is not None
        session.expunge(row)
        return row


def _messages(runtime: Runtime, template: str) -> list[OutboxMessage]:
    with runtime.transaction() as session:
        rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.template == template)))
        session.expunge_all()
        return rows


def test_an_extension_is_taken_inside_the_notice_window_with_the_notice_sent(
    client: TestClient, runtime: Runtime
) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    officer = api_token(runtime, Role.PRIVACY_OFFICER)
    tenant = create_tenant(client, admin)
    created = new_request(client, officer, tenant, "ada@example.org", "access")
    path = f"/api/v1/privacy-requests/{created['id']}/extension"
    assert client.post(path, json={"reason": "ada@example.org asked"}, headers=auth(officer)).status_code == 422
    assert (
        client.post(
            path, json={"reason": "x"}, headers=auth(api_token(runtime, Role.TENANT_MEMBER, tenant))
        ).status_code
        == 403
    )

    response = client.post(path, json={"reason": "Records in many systems"}, headers=auth(officer))
    assert response.status_code == 200, response.text
    row = _row(runtime, created["id"])
    with runtime.transaction() as session:
        expected = deadlines_for(policy_for(session).laws_by_id["gdpr"], row.received_at)
    assert expected.extended_to is not None
    assert row.extended_to == expected.extended_to
    assert row.extended_to > row.due_at + timedelta(days=55)  # two months more
    assert row.extension_notice_at is not None
    assert row.deadline == row.extended_to  # the date shown and watched from now on
    assert response.json()["extended_to"] is not None
    [notice] = _messages(runtime, "privacy_extension")
    assert notice.recipient_id == row.id
    assert notice.kind == "transactional"
    assert events(runtime, "privacy:request:extended", created["id"]) == 1
    # once only
    assert client.post(path, json={"reason": "Again"}, headers=auth(officer)).status_code == 409
    assert len(_messages(runtime, "privacy_extension")) == 1


def test_an_extension_is_refused_after_the_window_and_where_the_law_has_none(
    client: TestClient, runtime: Runtime
) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    officer = api_token(runtime, Role.PRIVACY_OFFICER)
    tenant = create_tenant(client, admin)
    late = new_request(client, officer, tenant, "late@example.org", "access")
    received = datetime.now(UTC) - timedelta(days=40)  # the month to give notice in is over
    with runtime.transaction() as session:
        due = deadlines_for(policy_for(session).laws_by_id["gdpr"], received).due_at
    _set(runtime, late["id"], received_at=received, due_at=due)
    response = client.post(
        f"/api/v1/privacy-requests/{late['id']}/extension", json={"reason": "Too late"}, headers=auth(officer)
    )
    assert response.status_code == 409
    assert "notice" in response.json()["detail"]
    kvkk = new_request(client, officer, tenant, "kvkk@example.org", "access", jurisdiction="kvkk")
    response = client.post(
        f"/api/v1/privacy-requests/{kvkk['id']}/extension", json={"reason": "More time"}, headers=auth(officer)
    )
    assert response.status_code == 409
    assert _row(runtime, late["id"]).extended_to is None
    assert _row(runtime, kvkk["id"]).extended_to is None
    assert _messages(runtime, "privacy_extension") == []


def test_staff_refuse_a_request_with_a_reason_and_the_requester_is_told(client: TestClient, runtime: Runtime) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    officer = api_token(runtime, Role.PRIVACY_OFFICER)
    tenant = create_tenant(client, admin)
    created = new_request(client, officer, tenant, "ada@example.org", "deletion")
    path = f"/api/v1/privacy-requests/{created['id']}/refusal"
    bad = client.post(path, json={"reason": "call +44 20 7946 0958"}, headers=auth(officer))
    assert bad.status_code == 422
    assert "reason" in bad.json()["detail"]
    assert client.post(path, json={"reason": " "}, headers=auth(officer)).status_code == 422

    response = client.post(
        path, json={"reason": "Manifestly unfounded: the same request weekly"}, headers=auth(officer)
    )
    assert response.status_code == 200, response.text
    body = client.get(f"/api/v1/privacy-requests/{created['id']}", headers=auth(officer)).json()
    assert body["status"] == "refused"
    assert body["refusal_reason"] == "Manifestly unfounded: the same request weekly"
    # the step not run yet is skipped, not left pending
    assert all(step["status"] in {"skipped", "done"} for step in body["steps"])
    [told] = _messages(runtime, "privacy_refused")
    assert told.recipient_id == uuid.UUID(created["id"])
    assert events(runtime, "privacy:request:refused", created["id"]) == 1
    assert _row(runtime, created["id"]).closed_at is not None
    assert client.post(path, json={"reason": "Again"}, headers=auth(officer)).status_code == 409
    assert len(_messages(runtime, "privacy_refused")) == 1


def test_weekly_figures_count_on_time_late_refused_and_open_overdue(client: TestClient, runtime: Runtime) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    officer = api_token(runtime, Role.PRIVACY_OFFICER)
    tenant, other = create_tenant(client, admin), create_tenant(client, admin, name="Other")
    this_week, last_week = NOW - timedelta(days=1), NOW - timedelta(days=8)

    def made(email: str, owner: uuid.UUID = tenant, **values: Any) -> None:
        _set(runtime, new_request(client, officer, owner, email, "access")["id"], **values)

    made("a@example.org", status="completed", completed_at=this_week, closed_at=this_week, due_at=NOW)
    made(
        "b@example.org", status="completed", completed_at=this_week, closed_at=this_week, due_at=NOW - timedelta(days=3)
    )
    made("c@example.org", status="refused", closed_at=last_week, due_at=NOW)
    made("d@example.org", status="in_progress", due_at=last_week)  # still open, past due since last week
    made("e@example.org", status="received", due_at=NOW + timedelta(days=20))  # open, not late
    made("f@example.org", owner=other, status="completed", completed_at=this_week, closed_at=this_week, due_at=NOW)
    made("g@example.org", status="completed", completed_at=NOW - timedelta(weeks=10), closed_at=NOW, due_at=NOW)

    with runtime.transaction() as session:
        figures = weekly_figures(session, weeks=3, tenant_id=tenant, now=NOW)
        everyone = weekly_figures(session, weeks=3, now=NOW)
    assert [f.week for f in figures] == ["2026-W45", "2026-W46", "2026-W47"]
    rows = [(f.completed_on_time, f.completed_late, f.refused, f.open_overdue) for f in figures]
    assert rows == [(0, 0, 0, 0), (0, 0, 1, 1), (1, 1, 0, 0)]
    assert everyone[-1].completed_on_time == 2  # the other business's too


def test_the_deadline_watch_raises_due_soon_and_overdue_requests_to_officers(
    client: TestClient, runtime: Runtime
) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    officer = api_token(runtime, Role.PRIVACY_OFFICER)
    tenant = create_tenant(client, admin)
    officers = {
        person(runtime, Role.PRIVACY_OFFICER, "dpo@omniwise.example"),
        person(runtime, Role.PRIVACY_OFFICER, "deputy@omniwise.example"),
    }
    person(runtime, Role.SUPPORT_AGENT, "support@omniwise.example")  # not an officer: not told
    now = datetime.now(UTC)
    overdue = new_request(client, officer, tenant, "late@example.org", "access")
    soon = new_request(client, officer, tenant, "soon@example.org", "deletion")
    later = new_request(client, officer, tenant, "later@example.org", "access")
    closed = new_request(client, officer, tenant, "closed@example.org", "access")
    _set(runtime, overdue["id"], due_at=now - timedelta(days=2))
    _set(runtime, soon["id"], due_at=now + timedelta(days=3))
    _set(runtime, later["id"], due_at=now + timedelta(days=20))
    _set(runtime, closed["id"], due_at=now - timedelta(days=2), status="completed", closed_at=now, completed_at=now)

    spec = next(d for d in daily_jobs() if d.name == "privacy.deadline_watch")
    yesterday = now.date() - timedelta(days=1)
    with runtime.transaction() as session:
        job_id = schedule(session, spec, yesterday).id
    assert run_job(runtime, job_id) is JobStatus.SUCCEEDED

    raised = _messages(runtime, "privacy_deadlines")
    assert {m.recipient_id for m in raised} == officers
    references = {_row(runtime, r["id"]).reference: r["id"] for r in (overdue, soon, later, closed)}
    for message in raised:
        assert message.kind == "transactional"
        assert set(message.params) == {"overdue", "due_soon"}  # references only
        assert [references[ref] for ref in message.params["overdue"]] == [overdue["id"]]
        assert [references[ref] for ref in message.params["due_soon"]] == [soon["id"]]
    assert _row(runtime, overdue["id"]).last_raised_at is not None
    assert _row(runtime, soon["id"]).last_raised_at is not None
    assert _row(runtime, later["id"]).last_raised_at is None
    with runtime.transaction() as session:
        [audit] = session.scalars(select(AuditEvent).where(AuditEvent.name == "privacy:deadlines:raised")).all()
        assert audit.object_id == yesterday.isoformat()
        assert audit.details["overdue"] == [overdue["id"]]
        assert audit.details["due_soon"] == [soon["id"]]
        assert audit.details["messages"] == 2
        steps = session.scalars(select(PrivacyRequestStep)).all()
    assert "@" not in str(audit.details)
    assert steps  # the requests were opened for real, verified by the officer
    # the same date's job is one job: it does not raise twice
    with runtime.transaction() as session:
        assert schedule(session, spec, yesterday).id == job_id
    assert run_job(runtime, job_id) is None
    assert len(_messages(runtime, "privacy_deadlines")) == 2
