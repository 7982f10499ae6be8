"""Who reaches which pages: sign-in, the start page's routing, the console for staff, the portal for businesses."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from omniwise.app import create_app
from omniwise.auth.roles import Role
from omniwise.runtime import Runtime
from omniwise.users.models import User
from omniwise.web.routing import CONTENT_SECURITY_POLICY
from tests.factories import api_token, create_tenant, person
from tests.web.helpers import SECRET, csrf_of, post_form, sign_in


@dataclass
class People:
    tenant: uuid.UUID
    other_tenant: uuid.UUID
    admin_token: str


@pytest.fixture
def people(client: TestClient, runtime: Runtime) -> People:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    tenant = create_tenant(client, admin, name="Acme Ltd")
    other = create_tenant(client, admin, name="Globex")
    person(runtime, Role.VENDOR_ADMIN, "boss@omniwise.example", name="Olivia Boss")
    person(runtime, Role.TENANT_ADMIN, "admin@acme.example", tenant_id=tenant, name="Ada Admin")
    person(runtime, Role.TENANT_MEMBER, "member@acme.example", tenant_id=tenant)
    return People(tenant, other, admin)


def test_anonymous_visitors_are_sent_to_sign_in(client: TestClient, people: People) -> None:
    start = client.get("/")
    assert start.status_code == 200
    assert 'href="/login"' in start.text
    assert 'href="/privacy"' in start.text
    for path in ("/console", "/console/tenants", "/portal", "/portal/contacts", "/account"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/login?next={path}"


def test_staff_enrol_a_second_factor_and_land_in_the_console(client: TestClient, people: People) -> None:
    secret = sign_in(client, "boss@omniwise.example")
    assert secret is not None
    assert client.get("/", follow_redirects=False).headers["location"] == "/console"
    console = client.get("/console")
    assert "Olivia Boss" in console.text
    assert 'href="/console/tenants"' in console.text
    assert 'href="/console/audit"' in console.text
    tenants = client.get("/console/tenants")
    assert "Acme Ltd" in tenants.text
    assert "Globex" in tenants.text
    details = client.get(f"/console/tenants/{people.tenant}")
    assert details.status_code == 200
    assert "Acme Ltd" in details.text
    assert client.get("/portal").status_code == 403
    assert client.get(f"/console/tenants/{uuid.uuid4()}").status_code == 404
    not_an_id = client.get("/console/tenants/not-an-id")
    assert not_an_id.status_code == 404
    assert not_an_id.headers["content-type"].startswith("text/html")

    # the next sign-in asks for a code, not a new secret
    client.cookies.clear()
    assert sign_in(client, "boss@omniwise.example", secret=secret, step=1) == secret
    assert client.get("/console").status_code == 200


def test_a_wrong_password_is_shown_beside_the_field(client: TestClient, people: People) -> None:
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login", data={"email": "admin@acme.example", "password": "wrong password 1", "csrf_token": token}
    )
    assert response.status_code == 401
    assert 'id="error-password"' in response.text
    assert "the email address and password do not match an account" in response.text
    assert 'aria-invalid="true"' in response.text
    assert "wrong password 1" not in response.text  # a password is never sent back


def test_tenant_users_see_only_their_portal(client: TestClient, people: People) -> None:
    sign_in(client, "admin@acme.example")
    assert client.get("/", follow_redirects=False).headers["location"] == "/portal"
    portal = client.get("/portal")
    assert "Acme Ltd" in portal.text
    assert "Globex" not in portal.text
    refused = client.get("/console")
    assert refused.status_code == 403
    assert "the console is for Omni Wise staff" in refused.text
    assert client.get(f"/console/tenants/{people.other_tenant}").status_code == 403
    business = client.get("/portal/business")
    assert "Change these details" in business.text


def test_members_cannot_change_what_admins_can(client: TestClient, people: People) -> None:
    sign_in(client, "member@acme.example")
    assert "Change these details" not in client.get("/portal/business").text
    assert client.get("/portal/business/edit").status_code == 403
    refused = post_form(client, "/portal/business", "/portal/business/edit", {"name": "Taken Over"})
    assert refused.status_code == 403
    assert "may not tenants update" in refused.text
    assert client.get("/portal/contacts/new").status_code == 403


def test_pages_send_security_headers_and_careful_cookies(client: TestClient, people: People) -> None:
    page = client.get("/login")
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    visit = page.headers["set-cookie"]
    assert "ow_visit=" in visit
    assert "HttpOnly" in visit
    assert "SameSite=lax" in visit
    assert "Secure" not in visit  # local development over plain http
    response = client.post(
        "/login",
        data={
            "email": "admin@acme.example",
            "password": "correct horse battery staple",
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("ow_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie


def test_cookies_are_secure_over_https(runtime: Runtime) -> None:
    with TestClient(create_app(runtime), base_url="https://testserver") as secure_client:
        assert "Secure" in secure_client.get("/login").headers["set-cookie"]


def test_unknown_pages_are_pages_for_browsers_and_problems_for_programs(client: TestClient) -> None:
    html = client.get("/no/such/page", headers={"accept": "text/html"})
    assert html.status_code == 404
    assert html.headers["content-type"].startswith("text/html")
    assert "no page at /no/such/page" in html.text
    api = client.get("/api/v1/nothing", headers={"accept": "text/html"})
    assert api.headers["content-type"] == "application/problem+json"


def test_log_out_and_log_out_everywhere(runtime: Runtime, client: TestClient, people: People) -> None:
    sign_in(client, "admin@acme.example")
    with TestClient(create_app(runtime)) as phone:
        sign_in(phone, "admin@acme.example")
        assert phone.get("/portal").status_code == 200
        account = client.get("/account")
        assert account.text.count("<tr>") == 3  # header and two sessions
        ended = post_form(client, "/account", "/account/sessions/end-all", {})
        assert ended.status_code == 303
        assert ended.headers["location"] == "/login"
        assert phone.get("/portal", follow_redirects=False).status_code == 303
    assert client.get("/portal", follow_redirects=False).status_code == 303
    assert "signed out everywhere" in client.get("/login").text

    sign_in(client, "admin@acme.example")
    assert post_form(client, "/portal", "/logout", {}).status_code == 303
    assert client.get("/portal", follow_redirects=False).status_code == 303


def _forget_used_codes(runtime: Runtime) -> None:
    """Each code is accepted once; clearing the record lets the test use the current one again, at any second."""
    with runtime.transaction() as session:
        session.execute(update(User).values(totp_last_counter=None))


def test_tenant_users_may_turn_two_step_sign_in_on_and_off(
    client: TestClient, runtime: Runtime, people: People
) -> None:
    sign_in(client, "member@acme.example")
    assert "Two-step sign-in</dt><dd>Off" in client.get("/account").text
    page = client.get("/account/second-factor")
    secret = SECRET.search(page.text)
    assert secret is not None
    key = secret.group(1).replace(" ", "")
    wrong = client.post("/account/second-factor", data={"code": "000000", "csrf_token": csrf_of(page.text)})
    assert wrong.status_code == 401
    assert "that code is not right" in wrong.text
    turned_on = client.post(
        "/account/second-factor",
        data={"code": pyotp.TOTP(key).now(), "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert turned_on.status_code == 303
    assert "Two-step sign-in</dt><dd>On" in client.get("/account").text

    client.cookies.clear()
    _forget_used_codes(runtime)
    assert sign_in(client, "member@acme.example", secret=key) == key  # now asked for a code
    _forget_used_codes(runtime)
    off = post_form(client, "/account", "/account/second-factor/remove", {"code": pyotp.TOTP(key).now()})
    assert off.status_code == 303
    assert "Two-step sign-in</dt><dd>Off" in client.get("/account").text


def test_repeated_failures_are_refused_with_429(client: TestClient, runtime: Runtime, people: People) -> None:
    token = csrf_of(client.get("/login").text)
    for _ in range(runtime.settings.login_max_failures):
        client.post("/login", data={"email": "member@acme.example", "password": "not it at all", "csrf_token": token})
    locked = client.post(
        "/login", data={"email": "member@acme.example", "password": "correct horse battery staple", "csrf_token": token}
    )
    assert locked.status_code == 429
    assert "Retry-After" in locked.headers
    assert "too many failed attempts" in locked.text
