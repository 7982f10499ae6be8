"""Cookie consent over HTTP: the banner script, choices recorded with proof, GPC as a refusal, withdrawal."""

from __future__ import annotations

import json
import uuid

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from omniwise.consent.models import ConsentRecord
from omniwise.consent.secret import consent_secret, ip_hmac
from omniwise.runtime import Runtime
from tests.live import live_server

PLACEHOLDER = "/*OMNIWISE_CONSENT_CONFIG*/ null"


def _config(script: str) -> dict[str, object]:
    start = script.rindex("})(") + 3
    config: dict[str, object] = json.loads(script[start : script.rindex(");")])
    return config


def _records(runtime: Runtime) -> list[ConsentRecord]:
    with runtime.transaction() as session:
        return list(session.scalars(select(ConsentRecord).order_by(ConsentRecord.id)))


def test_the_script_carries_the_policys_cookie_groups(client: TestClient, runtime: Runtime) -> None:
    response = client.get("/consent.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["vary"] == "Sec-GPC"
    assert PLACEHOLDER not in response.text
    config = _config(response.text)
    cookies = runtime.policy.cookies
    assert cookies is not None
    assert config["cookiesVersion"] == cookies.sha256
    assert config["gpcHeader"] is False
    groups = config["groups"]
    assert isinstance(groups, list)
    assert [(g["id"], g["consent"], [c["name"] for c in g["cookies"]]) for g in groups] == [
        ("strictly_necessary", False, ["ow_consent", "ow_session", "ow_visit", "ow_flash"]),
        ("analytics", True, ["ow_analytics"]),
        ("marketing", True, ["ow_campaign"]),
    ]
    assert groups[1]["cookies"][0]["lifetimeText"] == "13 months"
    assert config["consentMaxAge"] == round(13 * 365.2425 / 12 * 86400)
    assert _config(client.get("/consent.js", headers={"Sec-GPC": "1"}).text)["gpcHeader"] is True


def test_a_choice_is_recorded_with_its_proof_and_can_be_withdrawn(client: TestClient, runtime: Runtime) -> None:
    given = client.post(
        "/privacy/consent",
        json={"choices": {"analytics": True, "marketing": False}, "source": "banner"},
        headers={"Origin": "https://www.omniwise.example"},
    )
    assert given.status_code == 201, given.text
    assert given.headers["access-control-allow-origin"] == "*"
    state = given.json()
    consent_id = state["consent_id"]
    assert state["choices"] == {"strictly_necessary": True, "analytics": True, "marketing": False}
    assert state["notice_sha256"] == runtime.policy.sha256
    assert state["current"] is True

    withdrawn = client.post(
        "/privacy/consent", json={"consent_id": consent_id, "choices": {"analytics": False}, "source": "preferences"}
    )
    assert withdrawn.status_code == 201
    assert withdrawn.json()["choices"]["analytics"] is False
    now = client.get(f"/privacy/consent?consent_id={consent_id}").json()
    assert (now["choices"]["analytics"], now["source"]) == (False, "preferences")
    # the banner's cookie names the same browser on the platform's own pages
    client.cookies.set("ow_consent", f"v1.{consent_id}.abc.-")
    assert client.get("/privacy/consent").json()["consent_id"] == consent_id
    client.cookies.clear()

    first, second = _records(runtime)
    assert (first.consent_id, second.consent_id) == (uuid.UUID(consent_id), uuid.UUID(consent_id))
    assert first.choices == {"analytics": True, "marketing": False}
    assert first.origin == "https://www.omniwise.example"
    assert first.notice_sha256 == runtime.policy.sha256
    assert first.ip_hmac is None  # the test client's peer is no address; over real HTTP see below


def test_over_real_http_the_address_is_kept_only_as_a_keyed_hash(runtime: Runtime) -> None:
    with live_server(runtime) as base:
        response = httpx.post(f"{base}/privacy/consent", json={"choices": {"analytics": True}}, timeout=10)
    assert response.status_code == 201, response.text
    record = _records(runtime)[0]
    assert record.ip_hmac == ip_hmac(consent_secret(runtime.settings), "127.0.0.1")
    assert "127.0.0.1" not in str(vars(record))
    secret_file = runtime.settings.consent_secret_file
    assert secret_file.stat().st_mode & 0o777 == 0o600


def test_gpc_is_a_refusal_whatever_the_request_asks(client: TestClient, runtime: Runtime) -> None:
    response = client.post(
        "/privacy/consent",
        json={"choices": {"analytics": True, "marketing": True}, "source": "banner"},
        headers={"Sec-GPC": "1"},
    )
    assert response.status_code == 201
    assert response.json()["choices"] == {"strictly_necessary": True, "analytics": False, "marketing": False}
    assert response.json()["gpc"] is True
    record = _records(runtime)[0]
    assert (record.gpc, record.choices) == (True, {"analytics": False, "marketing": False})


def test_unknown_and_malformed_choices_are_refused(client: TestClient) -> None:
    unknown = client.post("/privacy/consent", json={"choices": {"tracking": True}})
    assert unknown.status_code == 422
    assert "choices.tracking" in unknown.json()["detail"]
    assert client.post("/privacy/consent", json={"choices": {}, "source": "robot"}).status_code == 422
    assert client.post("/privacy/consent", json={"consent_id": "nope", "choices": {}}).status_code == 422
    nobody = client.get(f"/privacy/consent?consent_id={uuid.uuid4()}").json()
    assert (nobody["consent_id"], nobody["current"], nobody["choices"]["analytics"]) == (None, False, False)


def test_preflight_and_the_cookie_page(client: TestClient) -> None:
    preflight = client.options(
        "/privacy/consent", headers={"Origin": "https://x.example", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-headers"] == "Content-Type"
    page = client.get("/privacy/cookies")
    assert page.status_code == 200
    assert '<script src="/consent.js"></script>' in page.text
    for name in ("ow_consent", "ow_analytics", "ow_campaign", "13 months", "90 days"):
        assert name in page.text
