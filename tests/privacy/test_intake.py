"""The public intake: confirmation by a one-time link, merging, limits, and bad input named by field."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from omniwise.auth.roles import Role
from omniwise.kit.clock import utcnow
from omniwise.privacy import sealing
from omniwise.privacy.models import PrivacyRequestToken
from omniwise.runtime import Runtime
from tests.factories import api_token, auth, create_tenant
from tests.privacy.helpers import new_request, verification_rows

EMAIL = "grace.requester@example.org"


def _token_for(runtime: Runtime) -> str:
    """The raw token as the verification message carries it (read from the outbox's parameters)."""
    from sqlalchemy import select

    from omniwise.messaging.models import OutboxMessage

    with runtime.transaction() as session:
        params = session.scalars(
            select(OutboxMessage.params).where(OutboxMessage.template == "privacy_verification")
        ).all()
    assert len(params) == 1
    return str(params[0]["verify_path"]).split("token=", 1)[1]


def test_public_request_is_confirmed_once_by_its_link(client: TestClient, runtime: Runtime) -> None:
    response = client.post("/privacy/requests", json={"type": "access", "email": EMAIL})
    assert response.status_code == 202
    unknown = client.post("/privacy/requests", json={"type": "access", "email": "nobody.else@example.org"})
    assert unknown.status_code == 202
    assert unknown.json() == response.json()
    token = _token_for_first(runtime)
    assert len(token) >= 22  # at least 128 bits
    assert len(sealing.new_token()) * 6 >= 256
    verified = client.post("/privacy/requests/verify", json={"token": token})
    assert verified.status_code == 200, verified.text
    body = verified.json()
    assert body["reference"].startswith("PR-")
    assert body["status"] in {"received", "in_progress"}
    assert client.post("/privacy/requests/verify", json={"token": token}).status_code == 410
    assert client.post("/privacy/requests/verify", json={"token": "z" * 43}).status_code == 404
    status = client.get(f"/privacy/requests/{body['id']}/status", params={"token": body["status_token"]})
    assert status.status_code == 200
    assert "@" not in status.text
    assert client.get(f"/privacy/requests/{body['id']}/status", params={"token": "wrong"}).status_code == 404


def _token_for_first(runtime: Runtime) -> str:
    from sqlalchemy import select

    from omniwise.messaging.models import OutboxMessage

    with runtime.transaction() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.template == "privacy_verification")
            .order_by(OutboxMessage.created_at)
        ).all()
        return str(rows[0].params["verify_path"]).split("token=", 1)[1]


def test_an_expired_link_is_gone(client: TestClient, runtime: Runtime) -> None:
    assert client.post("/privacy/requests", json={"type": "deletion", "email": EMAIL}).status_code == 202
    (row,) = verification_rows(runtime)
    assert row.expires_at - row.created_at == timedelta(hours=24)
    with runtime.transaction() as session:
        session.execute(update(PrivacyRequestToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.post("/privacy/requests/verify", json={"token": _token_for(runtime)}).status_code == 410


def test_duplicates_merge_and_every_request_is_acknowledged(client: TestClient, runtime: Runtime) -> None:
    # no worker runs here: the first request stays open, so the second meets it
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    tenant = create_tenant(client, admin)
    first = new_request(client, admin, tenant, EMAIL, "opt_out")
    again = new_request(client, admin, tenant, EMAIL.upper(), "opt_out")
    assert again["id"] == first["id"]
    other_type = new_request(client, admin, tenant, EMAIL, "access")
    assert other_type["id"] != first["id"]
    from sqlalchemy import func, select

    from omniwise.messaging.models import OutboxMessage

    with runtime.transaction() as session:
        acks = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.template == "privacy_acknowledgement")
        )
    assert acks == 2


MOVED = {"address_line1": "2 Low Road", "address_country": "GBR"}


def test_bad_input_names_the_field(client: TestClient, runtime: Runtime) -> None:
    officer = api_token(runtime, Role.PRIVACY_OFFICER)
    cases = [
        ({"type": "everything", "email": EMAIL}, "type"),
        ({"type": "access", "email": "not-an-address"}, "email"),
        ({"type": "access", "email": EMAIL, "jurisdiction": "mars"}, "jurisdiction"),
        ({"type": "access", "email": EMAIL, "changes": {"name": "X"}}, "changes"),
        ({"type": "correction", "email": EMAIL, "changes": {"shoe_size": "9"}}, "changes.shoe_size"),
        # a value the part holding it would refuse is refused now, not by a step after verification
        ({"type": "correction", "email": EMAIL, "changes": {"phone": "call me"}}, "changes.phone"),
        ({"type": "correction", "email": EMAIL, "changes": {"email": "nowhere"}}, "changes.email"),
        ({"type": "correction", "email": EMAIL, "changes": MOVED}, "changes.address_country"),
        ({"type": "correction", "email": EMAIL, "changes": {"address_city": "Dover"}}, "changes.address_line1"),
    ]
    for n, (body, field) in enumerate(cases):
        response = client.post("/privacy/requests", json=body | {"email": body["email"].replace("@", f"{n}@")})
        assert response.status_code == 422, body
        assert response.json()["detail"].startswith(f"{field}:"), response.json()
        assert "Value error" not in response.json()["detail"]
    response = client.post("/api/v1/privacy-requests", json={"type": "access", "subject": {}}, headers=auth(officer))
    assert response.status_code == 422
    assert (
        client.post("/privacy/requests", content=b"{", headers={"content-type": "application/json"}).status_code == 400
    )


def test_the_public_intake_is_rate_limited(client: TestClient, runtime: Runtime) -> None:
    for _ in range(3):
        assert client.post("/privacy/requests", json={"type": "access", "email": EMAIL}).status_code == 202
    limited = client.post("/privacy/requests", json={"type": "access", "email": EMAIL})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    for n in range(7):
        client.post("/privacy/requests", json={"type": "access", "email": f"p{n}@example.org"})
    other = client.post("/privacy/requests", json={"type": "access", "email": "fresh@example.org"})
    assert other.status_code == 429  # the client's own limit
