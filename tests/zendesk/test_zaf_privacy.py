"""Requests filed in the sidebar open the platform's privacy request for the requester, verified by the agent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from omniwise.messaging.models import OutboxMessage
from omniwise.privacy.models import PrivacyRequest
from omniwise.zendesk import repository
from omniwise.zendesk.models import ZendeskAppRequest
from omniwise.zendesk.records import Mirror
from tests.zendesk.helpers import SignedApp
from tests.zendesk.test_zaf import bearer

REQUESTER = 380000002
AGENT = "368123456789"  # Zendesk ids are long: they must not be taken for phone numbers


def _known_requester(app: SignedApp, zendesk_id: int = REQUESTER) -> None:
    with app.runtime.transaction() as session:
        connection = repository.connection_by_id(session, connection_id=uuid.UUID(app.connection_id))
        assert connection is not None
        Mirror(session, app.runtime.keyring, connection).apply_user_fields(
            zendesk_id,
            {"name": "Ada", "email": f"customer{zendesk_id}@example.org", "role": "end-user", "active": True},
            datetime(2026, 1, 1, tzinfo=UTC),
        )


def _file(app: SignedApp, body: dict[str, object], requester: int = REQUESTER) -> tuple[int, dict[str, object]]:
    response = app.client.post(
        f"/api/v1/zendesk-app/requesters/{requester}/requests", json=body, headers=bearer(app.token(sub=AGENT))
    )
    return response.status_code, response.json()


def _request(app: SignedApp, request_id: object) -> PrivacyRequest:
    with app.runtime.transaction() as session:
        request = session.get(PrivacyRequest, uuid.UUID(str(request_id)))
        assert request is not None
        session.expunge(request)
        return request


def test_each_type_filed_in_the_sidebar_opens_a_linked_privacy_request(signed_app: SignedApp) -> None:
    _known_requester(signed_app)
    opened = {}
    for kind, extra in (
        ("access", {"ticket_id": 4412345678}),
        ("portability", {}),
        ("correction", {"changes": {"name": "Ada King"}}),
        ("deletion", {"ticket_id": 12}),
        ("opt_out", {}),
    ):
        status, body = _file(signed_app, {"type": kind, **extra})
        assert status == 201, (kind, status)
        assert body["privacy_request_id"] is not None, kind
        request = _request(signed_app, body["privacy_request_id"])
        assert (request.type, request.channel, request.tenant_id) == (
            kind,
            "zendesk_app",
            uuid.UUID(signed_app.tenant_id),
        )
        assert request.status in {"received", "in_progress"}  # verified by the agent: it goes ahead at once
        assert request.verified_at is not None
        assert request.zendesk_user_id == REQUESTER
        assert request.zendesk_connection_id == uuid.UUID(signed_app.connection_id)
        opened[kind] = (body["id"], request)
    assert opened["access"][1].verification == f"Zendesk agent {AGENT} on ticket 4412345678"
    assert opened["portability"][1].verification == f"Zendesk agent {AGENT}"

    with signed_app.runtime.transaction() as session:
        rows = {row.id: row.privacy_request_id for row in session.scalars(select(ZendeskAppRequest))}
        acknowledged = session.scalars(
            select(OutboxMessage.recipient_id).where(OutboxMessage.template == "privacy_acknowledgement")
        ).all()
    assert rows == {uuid.UUID(str(row_id)): request.id for row_id, request in opened.values()}
    assert sorted(acknowledged) == sorted(request.id for _, request in opened.values())

    # filed again while open: the same sidebar record and the same privacy request
    status, again = _file(signed_app, {"type": "deletion"})
    assert status == 200
    assert again["privacy_request_id"] == str(opened["deletion"][1].id)
    status_view = signed_app.client.get(
        f"/api/v1/zendesk-app/requesters/{REQUESTER}/privacy", headers=bearer(signed_app.token(sub=AGENT))
    ).json()
    assert {r["privacy_request_id"] for r in status_view["opt_outs"]} == {str(opened["opt_out"][1].id)}


def test_a_sidebar_correction_names_its_changes_and_an_unknown_requester_opens_none(signed_app: SignedApp) -> None:
    _known_requester(signed_app)
    status, problem = _file(signed_app, {"type": "correction"})
    assert status == 422
    assert "changes" in str(problem["detail"])
    status, problem = _file(signed_app, {"type": "correction", "changes": {"shoe_size": "9"}})
    assert status == 422
    assert "changes.shoe_size" in str(problem["detail"])
    with signed_app.runtime.transaction() as session:
        assert session.scalars(select(ZendeskAppRequest)).all() == []  # nothing half-filed
        assert session.scalars(select(PrivacyRequest)).all() == []

    # a requester the mirror does not know has no address to act on: the sidebar record alone
    status, body = _file(signed_app, {"type": "access"}, requester=380000009)
    assert status == 201
    assert body["privacy_request_id"] is None


def test_the_sidebar_follows_the_privacy_request_to_its_end(signed_app: SignedApp) -> None:
    _known_requester(signed_app)
    status, first = _file(signed_app, {"type": "access"})
    assert status == 201

    def shown() -> dict[str, object]:
        response = signed_app.client.get(
            f"/api/v1/zendesk-app/requesters/{REQUESTER}/privacy", headers=bearer(signed_app.token(sub=AGENT))
        )
        assert response.status_code == 200
        return response.json()

    [listed] = shown()["open_requests"]
    assert listed["status"] in {"received", "in_progress"}

    # the engine's course is tested with the engine; here, what the sidebar makes of its end
    with signed_app.runtime.transaction() as session:
        request = session.get(PrivacyRequest, uuid.UUID(str(first["privacy_request_id"])))
        assert request is not None
        request.status = "awaiting_approval"
    [listed] = shown()["open_requests"]
    assert listed["status"] == "awaiting_approval"  # the business decides: still open, and said so

    with signed_app.runtime.transaction() as session:
        request = session.get(PrivacyRequest, uuid.UUID(str(first["privacy_request_id"])))
        assert request is not None
        request.status = "completed"
    assert shown()["open_requests"] == []  # done: no longer listed as open

    status, second = _file(signed_app, {"type": "access"})  # asked again later: a new request, not the old one
    assert status == 201
    assert second["id"] != first["id"]
    assert second["privacy_request_id"] not in (None, first["privacy_request_id"])
