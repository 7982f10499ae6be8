"""The sidebar app's backend: Zendesk's RS256-signed requests checked strictly, the status shown and requests filed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
from fastapi.testclient import TestClient
from sqlalchemy import select

from omniwise.audit.models import AuditEvent
from tests.zendesk.helpers import ACCOUNT, INSTALLATION, SignedApp, rsa_pair


def hs256(claims: dict[str, Any], key: bytes) -> str:
    """An HS256 token made by hand (PyJWT rightly refuses to key HMAC with a PEM)."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    signing_input = part(b'{"alg":"HS256","typ":"JWT"}') + "." + part(json.dumps(claims).encode())
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{part(signature)}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_signed_agent_sees_the_status_and_files_requests(signed_app: SignedApp) -> None:
    client = signed_app.client
    status_url = "/api/v1/zendesk-app/requesters/380000001/privacy"
    empty = client.get(status_url, headers=bearer(signed_app.token()))
    assert empty.status_code == 200, empty.text
    assert empty.json() == {"requester_zendesk_id": 380000001, "known": False, "opt_outs": [], "open_requests": []}

    requests_url = "/api/v1/zendesk-app/requesters/380000001/requests"
    filed = client.post(requests_url, json={"type": "deletion", "ticket_id": 12}, headers=bearer(signed_app.token()))
    assert filed.status_code == 201, filed.text
    again = client.post(requests_url, json={"type": "deletion"}, headers=bearer(signed_app.token()))
    assert again.status_code == 200
    assert again.json()["id"] == filed.json()["id"]  # one open request, not two
    opted = client.post(requests_url, json={"type": "opt_out"}, headers=bearer(signed_app.token()))
    assert opted.status_code == 201
    assert client.post(requests_url, json={"type": "sale"}, headers=bearer(signed_app.token())).status_code == 422

    status = client.get(status_url, headers=bearer(signed_app.token())).json()
    assert [(r["type"], r["status"]) for r in status["open_requests"]] == [("deletion", "received")]
    assert [r["type"] for r in status["opt_outs"]] == ["opt_out"]
    with signed_app.runtime.transaction() as session:
        filed_events = session.scalars(select(AuditEvent).where(AuditEvent.name == "zendesk:app_request:filed")).all()
    assert [e.actor_id for e in filed_events] == [f"{INSTALLATION}:9001"] * 2
    assert {e.actor_type for e in filed_events} == {"zendesk_agent"}


def test_tokens_are_checked_strictly(signed_app: SignedApp) -> None:
    client, url = signed_app.client, "/api/v1/zendesk-app/requesters/1/privacy"
    other_private, _ = rsa_pair()
    now = int(time.time())
    audience = f"{ACCOUNT}/api/v2/apps/installations/{INSTALLATION}.json"
    claims = {"iss": "acme.zendesk.com", "aud": audience, "iat": now, "exp": now + 300}
    refused = {
        "no token": client.get(url),
        "not a bearer": client.get(url, headers={"Authorization": "Basic abc"}),
        "garbage": client.get(url, headers=bearer("not.a.jwt")),
        "another key": client.get(url, headers=bearer(jwt.encode(claims, other_private, algorithm="RS256"))),
        # HS256 keyed with the public key: the classic algorithm confusion
        "HS256 with the public key": client.get(url, headers=bearer(hs256(claims, signed_app.public_pem.encode()))),
        "alg none": client.get(url, headers=bearer(jwt.encode(claims, None, algorithm="none"))),
        "expired": client.get(url, headers=bearer(signed_app.token(iat=now - 900, exp=now - 600))),
        "wrong issuer": client.get(url, headers=bearer(signed_app.token(iss="evil.zendesk.com"))),
        "wrong audience": client.get(
            url, headers=bearer(signed_app.token(aud=f"{ACCOUNT}/api/v2/apps/installations/999.json"))
        ),
        "audience elsewhere": client.get(
            url,
            headers=bearer(signed_app.token(aud=f"https://evil.example/api/v2/apps/installations/{INSTALLATION}.json")),
        ),
        "no expiry": client.get(
            url,
            headers=bearer(
                jwt.encode({k: v for k, v in claims.items() if k != "exp"}, signed_app.private_pem, algorithm="RS256")
            ),
        ),
    }
    for case, response in refused.items():
        assert response.status_code == 401, (case, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert client.get(url, headers=bearer(signed_app.token())).status_code == 200


def test_the_sidebar_page_is_served_only_to_a_signed_request(signed_app: SignedApp) -> None:
    client = signed_app.client
    token = signed_app.token()
    page = client.post("/zendesk-app/sidebar", data={"token": token})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert f'name="omniwise-token" content="{token}"' in page.text
    assert "assets/sidebar.js" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors https://acme.zendesk.com" in page.headers["content-security-policy"]
    assert (
        client.post("/zendesk-app/sidebar", data={"token": signed_app.token(iss="evil.zendesk.com")}).status_code == 401
    )
    script = client.get("/zendesk-app/assets/sidebar.js")
    assert script.status_code == 200
    assert "OmniwiseSidebar" in script.text
    assert client.get("/zendesk-app/assets/..%2Fmanifest.json").status_code == 404
    assert client.get("/zendesk-app/assets/manifest.json").status_code == 404


def test_an_unconfigured_platform_says_what_is_missing(client: TestClient) -> None:
    response = client.get("/api/v1/zendesk-app/requesters/1/privacy", headers=bearer("a.b.c"))
    assert response.status_code == 503
    assert "OMNIWISE_ZENDESK_APP_PUBLIC_KEY" in response.json()["detail"]
