"""The audit chain: every change recorded, nothing personal in it, any tampering found."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, update

from omniwise.audit.models import AuditEvent, AuditHead
from omniwise.audit.verify import verify_chain
from omniwise.auth.roles import Role
from omniwise.runtime import Runtime
from tests.factories import api_token, auth, create_contact, create_tenant


def _activity(client: TestClient, runtime: Runtime) -> str:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    tenant_id = create_tenant(client, admin)
    contact_id = create_contact(client, admin, tenant_id, name="Imogen Auditworthy", email="imogen@example.net")
    base = f"/api/v1/tenants/{tenant_id}/contacts"
    client.get(f"{base}/{contact_id}", headers=auth(admin))
    client.get(base, params={"email": "imogen@example.net"}, headers=auth(admin))
    client.patch(f"{base}/{contact_id}", json={"job_title": "Keeper"}, headers=auth(admin))
    client.delete(f"{base}/{contact_id}", headers=auth(admin))
    return admin


def _verify(runtime: Runtime) -> tuple[bool, int | None, str | None]:
    with runtime.transaction() as session:
        result = verify_chain(session, runtime.anchor_sink)
    return result.ok, result.first_bad_seq, result.reason


def test_every_crud_step_is_recorded_without_personal_data(client: TestClient, runtime: Runtime) -> None:
    _activity(client, runtime)
    with runtime.transaction() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    names = [e.name for e in events]
    for expected in (
        "tenants:tenant:created",
        "contacts:contact:created",
        "contacts:contact:read",
        "contacts:contact:updated",
        "contacts:contact:deleted",
        "privacy:subject:erased",
    ):
        assert expected in names
    assert names.count("contacts:contact:read") == 2
    dumped = json.dumps([{c.key: str(getattr(e, c.key)) for c in AuditEvent.__table__.columns} for e in events])
    for value in ("Imogen", "Auditworthy", "imogen@example.net", "example.net", "Keeper"):
        assert value not in dumped
    assert all(e.purpose for e in events)
    assert all(e.occurred_at.utcoffset() is not None and e.occurred_at.utcoffset().total_seconds() == 0 for e in events)  # type: ignore[union-attr]
    assert _verify(runtime) == (True, None, None)


def test_modified_event_is_named(client: TestClient, runtime: Runtime) -> None:
    _activity(client, runtime)
    with runtime.transaction() as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(actor_id="someone-else"))
    ok, bad, reason = _verify(runtime)
    assert not ok
    assert bad == 3
    assert reason is not None
    assert "hash" in reason


def test_removed_event_is_named(client: TestClient, runtime: Runtime) -> None:
    _activity(client, runtime)
    with runtime.transaction() as session:
        session.execute(delete(AuditEvent).where(AuditEvent.seq == 4))
    assert _verify(runtime)[:2] == (False, 4)


def test_cut_tail_is_detected_by_head_and_by_anchor(client: TestClient, runtime: Runtime) -> None:
    _activity(client, runtime)
    with runtime.transaction() as session:
        last = session.scalar(select(func.max(AuditEvent.seq)))
        assert last is not None
        assert last > 3
        session.execute(delete(AuditEvent).where(AuditEvent.seq > last - 2))
    ok, bad, _ = _verify(runtime)
    assert (ok, bad) == (False, last - 1)

    # an attacker who also rewinds the head row is still caught by the anchor
    with runtime.transaction() as session:
        newest = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        session.execute(update(AuditHead).values(seq=newest.seq, hash=newest.hash))
    ok, bad, reason = _verify(runtime)
    assert (ok, bad) == (False, last - 1)
    assert reason is not None
    assert "anchor" in reason


def test_rolled_back_work_leaves_no_event_and_a_sound_chain(runtime: Runtime) -> None:
    from omniwise.audit import AuditEntry, record

    def failing_unit_of_work() -> None:
        with runtime.transaction() as session:
            record(session, AuditEntry(name="test:thing:done", actor_type="system", actor_id="t"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing_unit_of_work()
    with runtime.transaction() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0
        record(session, AuditEntry(name="test:thing:done", actor_type="system", actor_id="t"))
    assert _verify(runtime) == (True, None, None)


def test_verify_endpoint_for_privacy_officers(client: TestClient, runtime: Runtime) -> None:
    _activity(client, runtime)
    officer = api_token(runtime, Role.PRIVACY_OFFICER)
    response = client.get("/api/v1/audit/verify", headers=auth(officer))
    assert response.status_code == 200
    assert response.json()["ok"] is True
    assert response.json()["events_checked"] > 5
    agent = api_token(runtime, Role.SUPPORT_AGENT)
    assert client.get("/api/v1/audit/verify", headers=auth(agent)).status_code == 403


def test_concurrent_writers_keep_one_unbroken_chain(runtime: Runtime) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from omniwise.audit import AuditEntry, record

    def work(n: int) -> None:
        for i in range(10):
            with runtime.transaction() as session:
                record(session, AuditEntry(name="test:thing:done", actor_type="system", actor_id=f"{n}-{i}"))
                record(session, AuditEntry(name="test:thing:checked", actor_type="system", actor_id=f"{n}-{i}"))

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(work, range(6)))
    with runtime.transaction() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 120
    assert _verify(runtime) == (True, None, None)
    anchor = runtime.anchor_sink.read()
    assert anchor is not None
    assert anchor.seq == 120
