"""Every endpoint that takes an id answers 404 for another tenant's id.

The test walks the application's routes, so a new endpoint is covered the day it is
added; an id parameter this file cannot make an object for fails the test until an
entry is added to ID_FACTORIES.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from omniwise.auth.roles import Role
from omniwise.runtime import Runtime
from tests.factories import (
    api_token,
    auth,
    create_contact,
    create_tenant,
    create_zendesk_connection,
    create_zendesk_ticket,
)


@dataclass
class World:
    client: TestClient
    runtime: Runtime
    admin: str
    own_tenant: uuid.UUID
    other_tenant: uuid.UUID


# For each id parameter: make an object in the given tenant and return its id.
ID_FACTORIES: dict[str, Callable[[World, uuid.UUID], str]] = {
    "contact_id": lambda w, t: str(create_contact(w.client, w.admin, t, email=f"{uuid.uuid4().hex[:8]}@example.org")),
    # partners belong to the policy, not to a tenant: a recipient that is no partner stands in for a foreign id
    "recipient_id": lambda w, t: "hosting",
    "connection_id": lambda w, t: str(create_zendesk_connection(w.client, w.admin, t)),
    "zendesk_ticket_id": lambda w, t: str(create_zendesk_ticket(w.runtime, w.client, w.admin, t)),
    # a ticket's requester is mirrored with it
    "zendesk_user_id": lambda w, t: str(create_zendesk_ticket(w.runtime, w.client, w.admin, t) + 1),
}

BODIES: dict[str, dict[str, object]] = {
    "PATCH": {},
    "POST": {},
    "PUT": {},
}

PARAM = re.compile(r"{(\w+)}")


@dataclass(frozen=True)
class Route:
    path: str
    methods: set[str]


def _tenant_routes(client: TestClient) -> list[Route]:
    """Every documented operation under a tenant (the OpenAPI document lists them all)."""
    paths = client.get("/openapi.json").json()["paths"]
    return [Route(path, {m.upper() for m in ops}) for path, ops in paths.items() if "{tenant_id}" in path]


@pytest.fixture
def world(client: TestClient, runtime: Runtime) -> World:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    return World(
        client, runtime, admin, create_tenant(client, admin, name="Own"), create_tenant(client, admin, name="Other")
    )


def test_every_tenant_route_hides_other_tenants(world: World) -> None:
    routes = _tenant_routes(world.client)
    assert routes, "no tenant routes found"
    own_admin = api_token(world.runtime, Role.TENANT_ADMIN, world.own_tenant)
    checked = 0
    for route in routes:
        params = PARAM.findall(route.path)
        missing = [p for p in params if p != "tenant_id" and p not in ID_FACTORIES]
        assert not missing, f"{route.path}: add a factory for {missing} to ID_FACTORIES"
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            # 1. another tenant in the path, for a tenant user: 404 as if it did not exist
            other_ids = {p: ID_FACTORIES[p](world, world.other_tenant) for p in params if p != "tenant_id"}
            path = route.path.replace("{tenant_id}", str(world.other_tenant))
            for name, value in other_ids.items():
                path = path.replace(f"{{{name}}}", value)
            response = world.client.request(method, path, json=BODIES.get(method), headers=auth(own_admin))
            assert response.status_code == 404, f"{method} {route.path} as another tenant: {response.status_code}"

            # 2. own tenant in the path, another tenant's object id: 404 too, even for staff
            if other_ids:
                path = route.path.replace("{tenant_id}", str(world.own_tenant))
                for name, value in other_ids.items():
                    path = path.replace(f"{{{name}}}", value)
                for token in (own_admin, world.admin):
                    response = world.client.request(method, path, json=BODIES.get(method), headers=auth(token))
                    assert response.status_code == 404, (
                        f"{method} {route.path} with a foreign id: {response.status_code}"
                    )
            checked += 1
    assert checked >= 6


def test_unknown_tenant_is_404_even_for_staff(world: World) -> None:
    response = world.client.get(f"/api/v1/tenants/{uuid.uuid4()}", headers=auth(world.admin))
    assert response.status_code == 404
    assert world.client.get("/api/v1/tenants/not-a-uuid", headers=auth(world.admin)).status_code == 422


# routes of privacy requests carry the request's id alone; a body each POST accepts, so 404 is what answers
REQUEST_BODIES: dict[str, dict[str, object]] = {
    "decision": {"approve": False, "reason": "Not ours to give"},
    "extension": {"reason": "Many systems to search"},
    "refusal": {"reason": "Manifestly unfounded"},
    "export-links": {},
}


def _request_routes(client: TestClient) -> list[Route]:
    paths = client.get("/openapi.json").json()["paths"]
    return [
        Route(path, {m.upper() for m in ops})
        for path, ops in paths.items()
        if path.startswith("/api/v1/privacy-requests/{request_id}")
    ]


def test_every_privacy_request_route_hides_other_tenants_requests(world: World) -> None:
    routes = _request_routes(world.client)
    assert len(routes) >= 6, "the privacy-request routes were not found"
    own_admin = api_token(world.runtime, Role.TENANT_ADMIN, world.own_tenant)
    ids = {}
    for name, tenant in (("other", world.other_tenant), ("none", None), ("own", world.own_tenant)):
        body = {
            "type": "access",
            "tenant_id": str(tenant) if tenant else None,
            "subject": {"email": f"{name}@example.org"},
            "jurisdiction": "gdpr",
        }
        created = world.client.post("/api/v1/privacy-requests", json=body, headers=auth(world.admin))
        assert created.status_code == 201, created.text
        ids[name] = created.json()["id"]
    for route in routes:
        action = route.path.removeprefix("/api/v1/privacy-requests/{request_id}").strip("/")
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            body = REQUEST_BODIES.get(action) if method == "POST" else None
            assert method != "POST" or body is not None, f"{route.path}: add a body to REQUEST_BODIES"
            for foreign in ("other", "none"):
                path = route.path.replace("{request_id}", ids[foreign])
                response = world.client.request(method, path, json=body, headers=auth(own_admin))
                assert response.status_code == 404, f"{method} {route.path} as another tenant: {response.status_code}"
    # the business's own request is there for its admin (so the 404s above are not for everyone)
    own = world.client.get(f"/api/v1/privacy-requests/{ids['own']}", headers=auth(own_admin))
    assert own.status_code == 200
