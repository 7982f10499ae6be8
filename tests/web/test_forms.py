"""Forms: the portal's contacts and business details through the same services and messages as the API."""

from __future__ import annotations

import re
import uuid
from html import unescape as html_unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from omniwise.audit.models import AuditEvent
from omniwise.auth.roles import Role
from omniwise.runtime import Runtime
from omniwise.web.routing import PageRoute, page_modules
from tests.factories import api_token, auth, create_contact, create_tenant, person
from tests.web.helpers import csrf_of, post_form, sign_in


@pytest.fixture
def tenant(client: TestClient, runtime: Runtime) -> uuid.UUID:
    tenant = create_tenant(client, api_token(runtime, Role.VENDOR_ADMIN), name="Acme Ltd")
    person(runtime, Role.TENANT_ADMIN, "admin@acme.example", tenant_id=tenant)
    sign_in(client, "admin@acme.example")
    return tenant


def _field_error(html: str, name: str) -> str | None:
    found = re.search(rf'id="error-{name}"><span class="visually-hidden">Problem: </span>([^<]*)</p>', html)
    return html_unescape(found.group(1)) if found else None


def test_add_correct_and_delete_a_contact(client: TestClient, runtime: Runtime, tenant: uuid.UUID) -> None:
    added = post_form(
        client,
        "/portal/contacts/new",
        "/portal/contacts/new",
        {"name": "Grace Hopper", "email": "grace@example.org", "phone": "", "job_title": ""},
    )
    assert added.status_code == 303
    assert added.headers["location"] == "/portal/contacts"
    listing = client.get("/portal/contacts")
    assert "The contact is added." in listing.text
    assert "grace@example.org" in listing.text
    token = api_token(runtime, Role.TENANT_ADMIN, tenant)
    [contact] = client.get(f"/api/v1/tenants/{tenant}/contacts", headers=auth(token)).json()["items"]
    assert contact["phone"] is None

    edit = f"/portal/contacts/{contact['id']}/edit"
    corrected = post_form(
        client,
        edit,
        edit,
        {"name": "Grace B. Hopper", "email": "grace@example.org", "phone": "+14155552671", "job_title": ""},
    )
    assert corrected.status_code == 303
    again = client.get(f"/api/v1/tenants/{tenant}/contacts/{contact['id']}", headers=auth(token)).json()
    assert again["name"] == "Grace B. Hopper"
    assert again["phone"] == "+14155552671"
    assert _audit_details(runtime, "contacts:contact:updated") == [
        {"fields": ["name", "phone"]}
    ]  # only what changed is a correction

    delete = f"/portal/contacts/{contact['id']}/delete"
    assert "Delete Grace B. Hopper?" in client.get(delete).text
    assert post_form(client, delete, delete, {}).status_code == 303
    assert "grace@example.org" not in client.get("/portal/contacts").text


def _audit_details(runtime: Runtime, name: str) -> list[dict[str, object]]:
    with runtime.transaction() as session:
        return [
            e.details
            for e in session.scalars(select(AuditEvent).where(AuditEvent.name == name).order_by(AuditEvent.seq))
        ]


def test_form_problems_read_as_the_api_says_them(client: TestClient, runtime: Runtime, tenant: uuid.UUID) -> None:
    body = {"name": "", "email": "not-an-address", "phone": "12", "job_title": ""}
    page = post_form(client, "/portal/contacts/new", "/portal/contacts/new", body)
    assert page.status_code == 422
    token = api_token(runtime, Role.TENANT_ADMIN, tenant)
    api = client.post(
        f"/api/v1/tenants/{tenant}/contacts",
        json={"name": "", "email": "not-an-address", "phone": "12"},
        headers=auth(token),
    ).json()
    expected = {e["field"].removeprefix("body."): e["message"] for e in api["errors"]}
    assert set(expected) == {"name", "email", "phone"}
    for field, message in expected.items():
        assert _field_error(page.text, field) == message
    assert 'value="not-an-address"' in page.text  # what was typed stays in the form

    create_contact(client, token, tenant, email="taken@example.org")
    taken = post_form(
        client, "/portal/contacts/new", "/portal/contacts/new", {"name": "Someone", "email": "TAKEN@example.org"}
    )
    assert taken.status_code == 409
    assert _field_error(taken.text, "email") == "this business already has a contact with that address"


def test_business_details_are_corrected_by_its_admin(client: TestClient, tenant: uuid.UUID) -> None:
    empty = post_form(client, "/portal/business/edit", "/portal/business/edit", {"name": "  ", "organisation": ""})
    assert empty.status_code == 422
    assert _field_error(empty.text, "name") == "String should have at least 1 character"
    bad_lines = post_form(
        client, "/portal/business/edit", "/portal/business/edit", {"name": "Acme", "organisation": "no colon here"}
    )
    assert _field_error(bad_lines.text, "organisation") == "line 1 is not in the form 'name: value'"
    saved = post_form(
        client,
        "/portal/business/edit",
        "/portal/business/edit",
        {"name": "Acme Group", "address": "2 Low St", "industry": "", "organisation": "VAT number: GB1"},
    )
    assert saved.status_code == 303
    details = client.get("/portal/business").text
    assert "Acme Group" in details
    assert "GB1" in details


def test_another_businesss_contact_is_not_found(client: TestClient, runtime: Runtime, tenant: uuid.UUID) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    other = create_tenant(client, admin, name="Globex")
    theirs = create_contact(client, admin, other, email="hidden@globex.example")
    for path in (f"/portal/contacts/{theirs}/edit", f"/portal/contacts/{theirs}/delete"):
        assert client.get(path).status_code == 404
        refused = post_form(client, "/portal/contacts", path, {"name": "X", "email": "x@example.org"})
        assert refused.status_code == 404
        assert "hidden@globex.example" not in refused.text


def test_a_form_without_its_token_is_refused_on_every_page(client: TestClient, tenant: uuid.UUID) -> None:
    """Every unsafe method of every page route, signed in or not, refuses a request without the form token."""
    routes = [
        route
        for module in page_modules()
        for route in module.router.routes
        if isinstance(route, PageRoute) and route.methods & {"POST", "PUT", "PATCH", "DELETE"}
    ]
    assert len(routes) >= 10
    foreign = csrf_of(TestClient(client.app).get("/login").text)  # a token of another browser
    for route in routes:
        path = re.sub(r"{\w+}", str(uuid.uuid4()), route.path)
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            for data in ({}, {"csrf_token": foreign}):
                response = client.request(method, path, data=data, follow_redirects=False)
                assert response.status_code == 403, f"{method} {route.path}: {response.status_code}"
                assert "this form has expired or did not come from this site" in response.text
    # the JSON API keeps its bearer tokens and needs no form token
    assert client.get("/portal").status_code == 200


@pytest.mark.parametrize("who", ["tenant-admin", "vendor-admin", "anonymous"])
def test_no_page_answers_500_to_odd_input(client: TestClient, runtime: Runtime, tenant: uuid.UUID, who: str) -> None:
    """Every page route, with ids that name nothing, odd queries and odd forms: a page or a refusal, never a 500."""
    client.cookies.clear()
    if who == "vendor-admin":
        person(runtime, Role.VENDOR_ADMIN, "staff@omniwise.example")
        sign_in(client, "staff@omniwise.example")
    elif who == "tenant-admin":
        sign_in(client, "admin@acme.example")
    token = csrf_of(client.get("/login").text) if who == "anonymous" else csrf_of(client.get("/account").text)
    odd_forms: list[dict[str, str]] = [{}, {"name": "x" * 5000, "email": "@", "code": "abc", "next": "//evil.example"}]
    ending = ("/logout", "/account/sessions/end-all")  # these end the session: last
    routes = [route for module in page_modules() for route in module.router.routes]
    for route in sorted(routes, key=lambda r: getattr(r, "path", "") in ending):
        assert isinstance(route, PageRoute)
        for ids in (str(uuid.uuid4()), "not-an-id", str(tenant)):
            path = re.sub(r"{\w+}", ids, route.path)
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                if method == "GET":
                    response = client.get(path, params={"cursor": "%%%", "next": "//x"}, follow_redirects=False)
                    assert response.status_code < 500, f"GET {route.path}: {response.status_code}"
                    continue
                for form in odd_forms:
                    response = client.request(method, path, data={**form, "csrf_token": token}, follow_redirects=False)
                    assert response.status_code < 500, f"{method} {route.path} {form}: {response.status_code}"
                    assert not response.headers.get("location", "").startswith("//")
