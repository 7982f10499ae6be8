"""Webhooks: signed deliveries stored once and answered at once; forged and stale ones refused; late news ignored."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from omniwise.sandbox.store import iso
from omniwise.worker import Job
from omniwise.zendesk.models import ZendeskOrganization, ZendeskWebhookEvent
from omniwise.zendesk.people import find_users_by_email
from omniwise.zendesk.webhooks import sign
from tests.factories import auth
from tests.zendesk.helpers import Connected, LivePlatform, wait_until


def stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def deliver(
    connected: Connected,
    payload: dict[str, Any] | bytes,
    *,
    secret: str | None = None,
    timestamp: str | None = None,
    signature: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    when = timestamp or stamp()
    sent = {
        "content-type": "application/json",
        "x-zendesk-webhook-signature-timestamp": when,
        "x-zendesk-webhook-signature": signature or sign(secret or connected.webhook_secret, when, body),
        **(headers or {}),
    }
    return connected.client.post(f"/webhooks/zendesk/{connected.connection_id}", content=body, headers=sent)


def event(kind: str, subject: str, detail: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "account_id": 10001,
        "detail": detail,
        "event": extra or {},
        "id": str(uuid.uuid4()),
        "subject": subject,
        "time": datetime.now(UTC).isoformat(),
        "type": f"zen:event-type:{kind}",
        "zendesk_event_version": "2022-11-06",
    }


def ticket_detail(
    ticket_id: int, requester_id: int, *, at: float, status: str, subject: str, created: float | None = None
) -> dict[str, Any]:
    """A ticket as an event carries it: `at` is its update time; its creation time never changes."""
    return {
        "id": str(ticket_id),
        "requester_id": str(requester_id),
        "submitter_id": str(requester_id),
        "status": status.upper(),
        "subject": subject,
        "description": "The first message",
        "priority": "HIGH",
        "type": "INCIDENT",
        "organization_id": None,
        "created_at": iso(at if created is None else created),
        "updated_at": iso(at),
    }


def count(connected: Connected, model: Any, *where: Any) -> int:
    with connected.runtime.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_signed_events_are_stored_once_and_answered_at_once(connected: Connected) -> None:
    payload = event("ticket.created", "zen:ticket:1", ticket_detail(1, 2, at=time.time(), status="new", subject="Hi"))
    started = time.monotonic()
    first = deliver(connected, payload)
    assert time.monotonic() - started < 1.0
    assert first.status_code == 200, first.text
    assert first.json() == {"status": "stored", "event_id": payload["id"]}
    again = deliver(connected, payload)
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert count(connected, ZendeskWebhookEvent) == 1
    assert count(connected, Job, Job.name == "zendesk.process_webhooks") == 1
    with connected.runtime.transaction() as session:
        stored = session.scalars(select(ZendeskWebhookEvent)).one()
    assert stored.event_type == "ticket.created"
    assert stored.payload_ct is not None
    assert b"The first message" not in stored.payload_ct


def test_forged_stale_and_unsigned_deliveries_are_refused(connected: Connected) -> None:
    payload = event("ticket.created", "zen:ticket:1", ticket_detail(1, 2, at=time.time(), status="new", subject="x"))
    body = json.dumps(payload).encode()
    now = stamp()
    refused = [
        deliver(connected, payload, secret="not-the-secret"),
        deliver(connected, body, signature=sign(connected.webhook_secret, now, body + b" "), timestamp=now),
        deliver(connected, payload, timestamp=stamp(datetime.now(UTC) - timedelta(minutes=6))),
        deliver(connected, payload, timestamp=stamp(datetime.now(UTC) + timedelta(minutes=6))),
        deliver(connected, payload, signature="%%% not base64 %%%"),
        deliver(connected, payload, timestamp="yesterday"),
        connected.client.post(f"/webhooks/zendesk/{connected.connection_id}", content=body),
        connected.client.post(
            f"/webhooks/zendesk/{connected.connection_id}",
            content=body,
            headers={"x-zendesk-webhook-signature": sign(connected.webhook_secret, now, body)},
        ),
    ]
    for response in refused:
        assert response.status_code == 401, response.text
        assert response.headers["content-type"] == "application/problem+json"
    fresh_enough = deliver(connected, payload, timestamp=stamp(datetime.now(UTC) - timedelta(minutes=4)))
    assert fresh_enough.status_code == 200
    unknown = connected.client.post(f"/webhooks/zendesk/{uuid.uuid4()}", content=body)
    assert unknown.status_code == 404
    assert connected.client.post("/webhooks/zendesk/not-an-id", content=body).status_code == 404
    assert connected.client.get(f"/webhooks/zendesk/{connected.connection_id}").status_code == 405
    huge = deliver(connected, b"{" + b" " * (2 * 1024 * 1024) + b"}")
    assert huge.status_code == 413
    assert "x-request-id" in unknown.headers
    not_json = deliver(connected, b"not json")
    assert not_json.status_code == 400
    assert count(connected, ZendeskWebhookEvent) == 1


def test_events_apply_in_order_of_truth_whatever_order_they_arrive_in(connected: Connected, jobs: object) -> None:
    t1, t2, t3 = time.time() - 30, time.time() - 20, time.time() - 10
    created = event(
        "ticket.created", "zen:ticket:501", ticket_detail(501, 77, at=t1, created=t1, status="new", subject="Old")
    )
    commented = event(
        "ticket.comment_added",
        "zen:ticket:501",
        ticket_detail(501, 77, at=t2, created=t1, status="open", subject="Old"),
        {"comment": {"id": "9001", "body": "Please call me back", "is_public": True, "author": {"id": "77"}}},
    )
    solved = event(
        "ticket.status_changed",
        "zen:ticket:501",
        ticket_detail(501, 77, at=t3, created=t1, status="solved", subject="New"),
        {"current": "SOLVED", "previous": "OPEN"},
    )
    resent_comment = {**commented, "id": str(uuid.uuid4())}  # the same news in a second event
    user_created = event(
        "user.created",
        "zen:user:77",
        {"id": "77", "email": "Ada@Example.org", "role": "END_USER", "organization_id": None, "updated_at": iso(t1)},
    )
    renamed = event(
        "user.name_changed",
        "zen:user:77",
        {"id": "77", "email": "ada@example.org", "role": "END_USER", "organization_id": None, "updated_at": iso(t2)},
        {"current": "Ada Lovelace", "previous": "Ada"},
    )
    org = event(
        "organization.created", "zen:organization:3", {"id": "3", "name": "Analytical Engines", "updated_at": iso(t1)}
    )
    broken = event("ticket.created", "zen:ticket:?", {"subject": "no id"})
    for payload in (solved, renamed, commented, broken, created, resent_comment, user_created, org, commented):
        assert deliver(connected, payload).status_code == 200

    def all_processed() -> bool:
        return count(connected, ZendeskWebhookEvent, ZendeskWebhookEvent.status == "pending") == 0

    wait_until(all_processed)
    ticket = connected.client.get(f"{connected.base}/tickets/501", headers=auth(connected.admin)).json()
    assert ticket["status"] == "solved"
    assert ticket["subject"] == "New"
    assert ticket["created_at"] == iso(t1)
    assert [c["body"] for c in ticket["comments"]] == ["Please call me back"]
    user = connected.client.get(f"{connected.base}/users/77", headers=auth(connected.admin)).json()
    assert user["name"] == "Ada Lovelace"
    assert user["email"] == "ada@example.org"
    with connected.runtime.transaction() as session:
        found = find_users_by_email(
            session, connected.runtime.keyring, tenant_id=uuid.UUID(connected.tenant_id), email="ADA@example.org"
        )
        assert [u.zendesk_id for u in found] == [77]
        statuses = dict(
            session.execute(select(ZendeskWebhookEvent.status, func.count()).group_by(ZendeskWebhookEvent.status)).all()
        )
        assert statuses == {"processed": 7, "failed": 1}
        assert session.scalar(select(func.count()).where(ZendeskWebhookEvent.payload_ct.is_not(None))) == 0
        assert session.scalar(select(func.count()).select_from(ZendeskOrganization)) == 1

    purged = event("ticket.permanently_deleted", "zen:ticket:501", {"id": "501", "updated_at": iso(time.time())})
    late = {**created, "id": str(uuid.uuid4())}  # an old event arriving after the deletion
    assert deliver(connected, purged).status_code == 200
    assert deliver(connected, late).status_code == 200
    wait_until(all_processed)
    assert connected.client.get(f"{connected.base}/tickets/501", headers=auth(connected.admin)).status_code == 404


def test_a_trigger_payload_fetches_the_ticket(connected: Connected, jobs: object) -> None:
    store = connected.sandbox.sandbox.store
    ticket = max(store.tickets.values(), key=lambda t: len(t.comments))
    payload = {"ticket_id": str(ticket.id), "ticket_status": ticket.status, "updated_at": iso(ticket.updated_at)}
    first = deliver(connected, payload, headers={"x-zendesk-webhook-invocation-id": "inv-1"})
    assert first.json()["event_id"] == "invocation:inv-1"
    assert (
        deliver(connected, payload, headers={"x-zendesk-webhook-invocation-id": "inv-1"}).json()["status"]
        == "duplicate"
    )
    wait_until(
        lambda: (
            connected.client.get(f"{connected.base}/tickets/{ticket.id}", headers=auth(connected.admin)).status_code
            == 200
        )
    )
    read = connected.client.get(f"{connected.base}/tickets/{ticket.id}", headers=auth(connected.admin)).json()
    assert [c["body"] for c in read["comments"]] == [c.body for c in ticket.comments]


def test_the_sandbox_delivers_signed_webhooks_to_the_running_platform(connected: Connected) -> None:
    sandbox = connected.sandbox
    with LivePlatform(connected.runtime) as platform:
        registered = httpx.post(
            f"{sandbox.base_url}/api/v2/webhooks.json",
            auth=(f"{sandbox.config.email}/token", sandbox.config.api_token),
            json={
                "webhook": {
                    "name": "Omni Wise",
                    "endpoint": f"{platform.base_url}/webhooks/zendesk/{connected.connection_id}",
                    "subscriptions": [
                        "zen:event-type:ticket.created",
                        "zen:event-type:ticket.comment_added",
                        "zen:event-type:ticket.status_changed",
                    ],
                    "signing_secret": {"algorithm": "SHA256", "secret": connected.webhook_secret},
                }
            },
        )
        assert registered.status_code == 201, registered.text
        changed = httpx.post(f"{sandbox.base_url}/sandbox/activity", json={"changes": 12})
        assert changed.json()["changes"] == 12
        assert sandbox.sandbox.dispatcher.wait_idle(timeout=20)
        deliveries = list(sandbox.sandbox.dispatcher.deliveries)
        assert deliveries
        assert {d.status_code for d in deliveries} == {200}

        def processed() -> bool:
            return count(connected, ZendeskWebhookEvent, ZendeskWebhookEvent.status == "processed") == len(deliveries)

        wait_until(processed, timeout=20)
    newest = max(sandbox.sandbox.store.tickets.values(), key=lambda t: t.updated_at)
    read = connected.client.get(f"{connected.base}/tickets/{newest.id}", headers=auth(connected.admin)).json()
    assert read["status"] == newest.status
    status = connected.client.get(
        f"{connected.base}/connections/{connected.connection_id}", headers=auth(connected.admin)
    )
    assert status.json()["last_webhook_at"] is not None
