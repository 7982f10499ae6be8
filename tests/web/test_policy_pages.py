"""The notice's history in the privacy center and the console, and cookie preferences without script."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from omniwise.auth.actor import SYSTEM
from omniwise.auth.roles import Role
from omniwise.consent.models import ConsentRecord
from omniwise.policy.service import publish
from omniwise.runtime import Runtime
from tests.factories import api_token, create_tenant, person
from tests.policy.helpers import shipped_policy, variant
from tests.web.helpers import csrf_of, post_form, sign_in

LONGER = (
    "      period: P13M\n      trigger: collected\n      action: delete\n",
    "      period: P2Y\n      trigger: collected\n      action: delete\n",
)
WORDING = ("    Omni Wise builds applications", "    Omni Wise makes applications")


def _publish_two(runtime: Runtime) -> None:
    with runtime.transaction() as session:
        publish(session, shipped_policy(), actor=SYSTEM)
        publish(session, variant(LONGER, WORDING), actor=SYSTEM)


def test_the_privacy_center_shows_versions_and_what_changed(client: TestClient, runtime: Runtime) -> None:
    empty = client.get("/privacy/versions")
    assert empty.status_code == 200
    assert "No version of the notice has been published yet" in empty.text
    _publish_two(runtime)
    versions = client.get("/privacy/versions").text
    assert 'href="/privacy/notice/versions/1"' in versions
    assert 'href="/privacy/notice/versions/2"' in versions
    assert '<span class="tag significant">Significant</span> 2 change(s)' in versions
    assert 'action="/privacy/versions/compare"' in versions

    compared = client.get("/privacy/versions/compare", params={"from": "1", "to": "2"})
    assert compared.status_code == 200
    assert "2 change(s), 1 of them significant." in compared.text
    sections = re.findall(r'<h3 id="changes-(\w+)">', compared.text)
    assert sections == ["intro", "retention"]  # in the notice's order
    assert "is kept for 2 years instead of 13 months" in compared.text
    same = client.get("/privacy/versions/compare", params={"from": "2", "to": "2"})
    assert "No changes: the two versions say the same." in same.text
    backwards = client.get("/privacy/versions/compare", params={"from": "2", "to": "1"})
    assert "kept for 13 months instead of 2 years" in backwards.text

    for params, field, message in (
        ({"from": "one", "to": "2"}, "from", "choose a version number"),
        ({"from": "1", "to": "9"}, "to", "version 9 has not been published"),
        ({}, "from", None),
    ):
        refused = client.get("/privacy/versions/compare", params=params)
        if message is None:  # no choice at all: the last two versions
            assert refused.status_code == 200
            continue
        assert refused.status_code == 422
        assert f'id="error-{field}"' in refused.text
        assert message in refused.text


def test_the_privacy_center_carries_the_cookie_banner_and_its_links(client: TestClient, runtime: Runtime) -> None:
    home = client.get("/privacy")
    for path in ("/privacy/notice", "/privacy/versions", "/privacy/cookies/preferences"):
        assert f'href="{path}"' in home.text
    assert '<script src="/consent.js" defer></script>' in home.text
    assert '<meta name="omniwise-consent-styles"' in home.text
    assert "/consent.js" not in client.get("/login").text  # the banner is the privacy center's


def test_cookie_preferences_are_recorded_by_the_consent_service(client: TestClient, runtime: Runtime) -> None:
    page = client.get("/privacy/cookies/preferences")
    assert page.status_code == 200
    assert 'id="group-strictly_necessary" name="group-strictly_necessary" checked disabled' in page.text
    saved = post_form(
        client,
        "/privacy/cookies/preferences",
        "/privacy/cookies/preferences",
        {"group-analytics": "on", "choice": "save"},
    )
    assert saved.status_code == 303
    cookie = next(c for c in saved.headers.get_list("set-cookie") if c.startswith("ow_consent="))
    assert "HttpOnly" not in cookie  # the banner's script reads the same choice
    assert re.match(r"ow_consent=v1\.[0-9a-f-]{36}\.[0-9a-f]{12}\.analytics;", cookie)
    assert 'name="group-analytics" checked' in client.get("/privacy/cookies/preferences").text

    rejected = post_form(client, "/privacy/cookies/preferences", "/privacy/cookies/preferences", {"choice": "reject"})
    deleted = [c.split("=")[0] for c in rejected.headers.get_list("set-cookie") if "Max-Age=0" in c]
    assert {"ow_analytics", "ow_campaign"} <= set(deleted)  # cookies of refused groups are removed
    with runtime.transaction() as session:
        records = list(session.scalars(select(ConsentRecord).order_by(ConsentRecord.recorded_at, ConsentRecord.id)))
    assert [(r.source, r.choices) for r in records] == [
        ("preferences", {"analytics": True, "marketing": False}),
        ("preferences", {"analytics": False, "marketing": False}),
    ]
    assert len({r.consent_id for r in records}) == 1  # one browser, one history of choices

    token = csrf_of(client.get("/privacy/cookies/preferences").text)
    under_gpc = client.post(
        "/privacy/cookies/preferences",
        data={"choice": "accept", "csrf_token": token},
        headers={"Sec-GPC": "1"},
        follow_redirects=False,
    )
    assert under_gpc.status_code == 303
    assert "strictly necessary cookies only" in client.get("/privacy/cookies/preferences").text
    with runtime.transaction() as session:
        last = session.scalars(select(ConsentRecord).order_by(ConsentRecord.recorded_at.desc())).first()
        assert last is not None
        assert (last.gpc, last.choices) == (True, {"analytics": False, "marketing": False})


def test_the_console_shows_the_policy_in_force_to_staff_only(client: TestClient, runtime: Runtime) -> None:
    person(runtime, Role.SUPPORT_AGENT, "agent@omniwise.example")
    tenant = create_tenant(client, api_token(runtime, Role.VENDOR_ADMIN))
    person(runtime, Role.TENANT_ADMIN, "admin@acme.example", tenant_id=tenant)
    assert client.get("/console/policy", follow_redirects=False).status_code == 303
    sign_in(client, "admin@acme.example")
    assert client.get("/console/policy").status_code == 403
    client.cookies.clear()

    sign_in(client, "agent@omniwise.example")
    before = client.get("/console/policy")
    assert before.status_code == 200
    assert "Not published yet." in before.text
    assert "uv run omniwise policy publish" in before.text
    with runtime.transaction() as session:
        publish(session, shipped_policy(), actor=SYSTEM)
    assert "The file is version 1, word for word." in client.get("/console/policy").text
    with runtime.transaction() as session:
        publish(session, variant(LONGER), actor=SYSTEM)
    differs = client.get("/console/policy").text
    assert "The file differs from version 2." in differs
    assert "kept for 13 months instead of 2 years" in differs  # the file undoes version 2's change
    compared = client.get("/console/policy/compare", params={"from": "1", "to": "2"})
    assert compared.status_code == 200
    assert "1 change(s), 1 of them significant." in compared.text
