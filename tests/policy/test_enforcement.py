"""Purpose-bound access, category by category: an allowed purpose passes, any other is refused, audited, rolled back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import select

from omniwise.app import create_app
from omniwise.audit.models import AuditEvent
from omniwise.audit.verify import verify_chain
from omniwise.auth.actor import SYSTEM
from omniwise.auth.dependencies import CurrentActor, DbSession
from omniwise.auth.roles import Role
from omniwise.contacts import service as contacts
from omniwise.policy.binding import policy_for
from omniwise.policy.enforcement import PurposeRefused, require_purpose
from omniwise.policy.purposes import Purpose
from omniwise.runtime import Runtime
from omniwise.tenants.models import Tenant
from tests.factories import api_token, auth, create_contact, create_tenant
from tests.policy.helpers import shipped_policy

SHIPPED = shipped_policy()

# A route that does what every data-layer call does: change something, then name its purpose.
probe = APIRouter()


@probe.post("/probe/{tenant_id}/{category}/{purpose}")
def touch(tenant_id: uuid.UUID, category: str, purpose: str, session: DbSession, actor: CurrentActor) -> dict[str, str]:
    tenant = session.get(Tenant, tenant_id)
    assert tenant is not None
    tenant.industry = f"touched for {purpose}"
    session.flush()
    require_purpose(session, policy_for(session), category=category, purpose=purpose, actor=actor, tenant_id=tenant_id)
    return {"status": "allowed"}


@pytest.fixture
def probe_client(runtime: Runtime) -> Iterator[TestClient]:
    app = create_app(runtime)
    app.include_router(probe)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _refusals(runtime: Runtime) -> list[AuditEvent]:
    with runtime.transaction() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.name == "policy:purpose:refused")))


def _industry(runtime: Runtime, tenant_id: uuid.UUID) -> str | None:
    with runtime.transaction() as session:
        tenant = session.get(Tenant, tenant_id)
        assert tenant is not None
        return tenant.industry


@pytest.mark.parametrize("category", [category.id for category in SHIPPED.categories])
def test_each_category_allows_its_purposes_and_refuses_the_others(
    category: str, probe_client: TestClient, runtime: Runtime
) -> None:
    declared = SHIPPED.categories_by_id[category]
    allowed = declared.purposes[0]
    refused = next(p.id for p in SHIPPED.purposes if p.id not in declared.purposes)
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    tenant_id = create_tenant(probe_client, admin)

    ok = probe_client.post(f"/probe/{tenant_id}/{category}/{allowed}", headers=auth(admin))
    assert ok.status_code == 200, ok.text
    assert _industry(runtime, tenant_id) == f"touched for {allowed}"
    assert _refusals(runtime) == []

    no = probe_client.post(f"/probe/{tenant_id}/{category}/{refused}", headers=auth(admin))
    assert no.status_code == 403
    assert no.headers["content-type"] == "application/problem+json"
    assert no.json()["detail"] == (
        f"the privacy policy does not allow category '{category}' to be used for purpose '{refused}'"
    )
    assert _industry(runtime, tenant_id) == f"touched for {allowed}"  # the refused change was rolled back
    [event] = _refusals(runtime)  # ...and its audit event was not
    assert event.tenant_id == tenant_id
    assert event.purpose == refused
    assert event.details == {"category": category, "reason": "not_allowed", "policy_sha256": SHIPPED.sha256}
    with runtime.transaction() as session:
        assert verify_chain(session, runtime.anchor_sink).ok


def test_an_undeclared_category_or_purpose_is_refused(runtime: Runtime) -> None:
    with runtime.transaction() as session:
        session.execute(select(Tenant.id))
        for category, purpose in (("biometrics", "service_provision"), ("contact_information", "profiling")):
            with pytest.raises(PurposeRefused):
                require_purpose(session, SHIPPED, category=category, purpose=purpose, actor=SYSTEM)
    reasons = [event.details["reason"] for event in _refusals(runtime)]
    assert reasons == ["undeclared_category", "undeclared_purpose"]


def test_a_refusal_is_kept_whether_or_not_a_transaction_was_open(runtime: Runtime) -> None:
    fresh = runtime.session()  # nothing has begun on it yet
    try:
        with pytest.raises(PurposeRefused):
            require_purpose(fresh, SHIPPED, category="cookies", purpose="billing", actor=SYSTEM)
    finally:
        fresh.close()
    assert len(_refusals(runtime)) == 1
    busy = runtime.session()
    try:
        busy.execute(select(Tenant.id))  # a transaction is open, and is closed without commit or rollback
        with pytest.raises(PurposeRefused):
            require_purpose(busy, SHIPPED, category="cookies", purpose="billing", actor=SYSTEM)
    finally:
        busy.close()
    assert len(_refusals(runtime)) == 2


def test_contacts_refuse_a_purpose_their_category_does_not_allow(client: TestClient, runtime: Runtime) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    tenant_id = create_tenant(client, admin)
    contact_id = create_contact(client, admin, tenant_id)
    with runtime.transaction() as session:
        tenant = session.get(Tenant, tenant_id)
        assert tenant is not None
        read = contacts.read_contact(
            session, runtime.keyring, actor=SYSTEM, tenant=tenant, contact_id=contact_id, purpose=Purpose.BILLING
        )
        assert read.id == contact_id
        with pytest.raises(PurposeRefused):
            contacts.read_contact(
                session, runtime.keyring, actor=SYSTEM, tenant=tenant, contact_id=contact_id, purpose=Purpose.ANALYTICS
            )
    [event] = _refusals(runtime)
    assert event.details["category"] == "contact_information"
    assert event.purpose == "analytics"
