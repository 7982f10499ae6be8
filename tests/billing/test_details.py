"""Billing details (notice 7a): read and corrected by the tenant, encrypted, pushed to Stripe through the gate."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from omniwise.app import create_app
from omniwise.audit.models import AuditEvent
from omniwise.auth.actor import SYSTEM
from omniwise.billing import repository
from omniwise.billing.errors import StripeUnavailable
from omniwise.billing.gateway import CustomerDetails, InMemoryStripeGateway, StripeGateway, install_gateway
from omniwise.billing.service import push_billing_details
from omniwise.config import Settings
from omniwise.disclosures.models import Disclosure
from omniwise.runtime import Runtime, build_runtime
from omniwise.subjects.service import erase_subject
from omniwise.tenants.models import Tenant
from omniwise.worker import JobStatus
from tests.billing.conftest import billing_settings
from tests.billing.helpers import Tenancy, make_due, queued_jobs, run_queued
from tests.billing.stripe_side import StripeSide
from tests.factories import auth

DETAILS = {
    "name": "Ada Lovelace",
    "email": "Ada@Example.org",
    "address": {"line1": "1 High Street", "city": "Dover", "postal_code": "CT16 1AA", "country": "gb"},
}


def _audit_names(runtime: Runtime) -> list[str]:
    with runtime.transaction() as session:
        return list(session.scalars(select(AuditEvent.name).order_by(AuditEvent.seq)))


def test_details_are_read_corrected_and_sent_to_stripe_through_the_gate(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    empty = client.get(tenancy.billing, headers=tenancy.auth)
    assert empty.status_code == 200
    assert empty.json() == {
        "tenant_id": str(tenancy.tenant_id),
        "account_status": "none",
        "stripe_customer_id": None,
        "details": None,
        "details_synced": True,
        "subscription": None,
    }

    corrected = client.patch(tenancy.billing, json=DETAILS, headers=tenancy.auth)
    assert corrected.status_code == 200, corrected.text
    body = corrected.json()
    assert body["details"] == {
        "name": "Ada Lovelace",
        "email": "Ada@example.org",
        "address": {
            "line1": "1 High Street",
            "line2": None,
            "city": "Dover",
            "postal_code": "CT16 1AA",
            "state": None,
            "country": "GB",
        },
    }
    assert body["details_synced"] is False
    assert client.get(tenancy.billing, headers=tenancy.auth).json()["details"] == body["details"]

    assert run_queued(runtime, "billing.push_details") == [JobStatus.SUCCEEDED]
    after = client.get(tenancy.billing, headers=tenancy.auth).json()
    assert after["details_synced"] is True
    customer = after["stripe_customer_id"]
    held = stripe_memory.customers[customer]
    assert (held["name"], held["email"], held["address"]["line1"]) == (
        "Ada Lovelace",
        "Ada@example.org",
        "1 High Street",
    )

    with runtime.transaction() as session:
        contact = repository.contact(session, tenant_id=tenancy.tenant_id)
        assert contact is not None
        disclosure = session.scalars(select(Disclosure)).one()
    assert disclosure.recipient_id == "stripe"
    assert disclosure.categories == ["billing_details", "contact_information"]
    assert disclosure.purpose == "billing"
    assert disclosure.subject_id == contact.subject_id
    assert disclosure.reference == customer
    assert disclosure.transfer_mechanism == "scc"  # an EU tenant's data going to Stripe in the US
    names = _audit_names(runtime)
    for name in ("billing:details:corrected", "billing:details:read", "billing:customer:created"):
        assert name in names
    assert "disclosures:disclosure:recorded" in names


def test_a_partial_correction_keeps_the_rest_and_null_removes(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    client.patch(tenancy.billing, json=DETAILS, headers=tenancy.auth)
    response = client.patch(
        tenancy.billing, json={"email": "billing@example.org", "address": None}, headers=tenancy.auth
    )
    assert response.status_code == 200
    details = response.json()["details"]
    assert details == {"name": "Ada Lovelace", "email": "billing@example.org", "address": None}

    # two corrections, two jobs: the older finds itself replaced and sends nothing
    assert run_queued(runtime, "billing.push_details") == [JobStatus.SUCCEEDED, JobStatus.SUCCEEDED]
    with runtime.transaction() as session:
        assert len(session.scalars(select(Disclosure)).all()) == 1
    customer = client.get(tenancy.billing, headers=tenancy.auth).json()["stripe_customer_id"]
    held = stripe_memory.customers[customer]
    assert (held["name"], held["email"], held["address"]) == ("Ada Lovelace", "billing@example.org", None)


def test_an_empty_correction_changes_nothing(client: TestClient, runtime: Runtime, tenancy: Tenancy) -> None:
    response = client.patch(tenancy.billing, json={}, headers=tenancy.auth)
    assert response.status_code == 200
    assert response.json()["details"] is None
    assert queued_jobs(runtime, "billing.push_details") == []
    assert "billing:details:corrected" not in _audit_names(runtime)


def test_bad_corrections_are_refused_without_echoing_them(client: TestClient, tenancy: Tenancy) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"email": "not-an-address"}, "body.email"),
        ({"address": {"line1": "1 High Street", "country": "GBR"}}, "body.address.country"),
        ({"address": {"city": "Dover", "country": "GB"}}, "body.address.line1"),
        ({"card_number": "4242424242424242"}, "body.card_number"),
    ]
    for sent, field in cases:
        response = client.patch(tenancy.billing, json=sent, headers=tenancy.auth)
        assert response.status_code == 422, sent
        assert field in response.json()["detail"]
        for value in ("not-an-address", "GBR", "4242424242424242"):
            assert value not in response.text


def test_members_may_not_read_or_correct_billing(client: TestClient, tenancy: Tenancy) -> None:
    assert client.get(tenancy.billing, headers=auth(tenancy.member)).status_code == 403
    assert client.patch(tenancy.billing, json=DETAILS, headers=auth(tenancy.member)).status_code == 403


def test_without_stripe_a_correction_is_kept_and_sent_nowhere(settings: Settings) -> None:
    runtime = build_runtime(billing_settings(settings, stripe_gateway="stripe"))
    try:
        with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
            tenancy = Tenancy(client, runtime)
            response = client.patch(tenancy.billing, json=DETAILS, headers=tenancy.auth)
            assert response.status_code == 200
            assert response.json()["details_synced"] is False
            assert queued_jobs(runtime, "billing.push_details") == []
            checkout = client.post(
                f"{tenancy.billing}/checkout", json={"plan": "messenger-monthly"}, headers=tenancy.auth
            )
            assert checkout.status_code == 503
            assert checkout.headers["content-type"] == "application/problem+json"
            assert checkout.json()["detail"].startswith("billing is not configured: set OMNIWISE_STRIPE_API_KEY")
    finally:
        runtime.dispose()


def test_erasing_the_billing_contact_shreds_the_details(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    client.patch(tenancy.billing, json=DETAILS, headers=tenancy.auth)
    with runtime.transaction() as session:
        contact = repository.contact(session, tenant_id=tenancy.tenant_id)
        assert contact is not None
        erase_subject(
            session,
            runtime.keyring,
            tenant_id=tenancy.tenant_id,
            subject_id=contact.subject_id,
            actor=SYSTEM,
            purpose="privacy_requests",
        )
    assert client.get(tenancy.billing, headers=tenancy.auth).json()["details"] is None
    # the push queued before the erasure finds nothing to send
    assert run_queued(runtime, "billing.push_details") == [JobStatus.SUCCEEDED]
    assert stripe_memory.customers == {}


class FailsOnce:
    """The real gateway, except that the first update of a customer's details fails as an outage would."""

    def __init__(self, inner: StripeGateway) -> None:
        self.inner = inner
        self.create_keys: list[str] = []
        self.failed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def create_customer(self, *, tenant_id: uuid.UUID, idempotency_key: str) -> str:
        self.create_keys.append(idempotency_key)
        return self.inner.create_customer(tenant_id=tenant_id, idempotency_key=idempotency_key)

    def update_customer_details(self, *, customer_id: str, details: CustomerDetails, idempotency_key: str) -> None:
        if not self.failed:
            self.failed = True
            raise StripeUnavailable("Stripe did not answer (customer update)")
        self.inner.update_customer_details(customer_id=customer_id, details=details, idempotency_key=idempotency_key)


def test_a_push_retried_after_a_failure_makes_one_customer(
    any_stripe_client: TestClient, any_stripe_runtime: Runtime, stripe_side: StripeSide
) -> None:
    client, runtime = any_stripe_client, any_stripe_runtime
    flaky = FailsOnce(stripe_side.gateway)
    install_gateway(runtime, flaky)  # type: ignore[arg-type]
    tenancy = Tenancy(client, runtime)
    assert client.patch(tenancy.billing, json=DETAILS, headers=tenancy.auth).status_code == 200

    # attempt 1 creates the customer at Stripe, then fails: its transaction keeps nothing
    assert run_queued(runtime, "billing.push_details") == [JobStatus.FAILED_WILL_RETRY]
    assert client.get(tenancy.billing, headers=tenancy.auth).json()["stripe_customer_id"] is None
    make_due(runtime)
    assert run_queued(runtime, "billing.push_details") == [JobStatus.SUCCEEDED]

    customer = client.get(tenancy.billing, headers=tenancy.auth).json()["stripe_customer_id"]
    assert stripe_side.customers_of(tenancy.tenant_id) == [customer]
    assert len(flaky.create_keys) == 2
    assert len(set(flaky.create_keys)) == 1
    assert stripe_side.customer_details(customer)["name"] == "Ada Lovelace"

    # the same push run again sends nothing and makes nothing
    with runtime.transaction() as session:
        tenant = session.get(Tenant, tenancy.tenant_id)
        assert tenant is not None
        contact = repository.contact(session, tenant_id=tenant.id)
        assert contact is not None
        sent = push_billing_details(
            session,
            runtime.keyring,
            flaky,
            tenant=tenant,
            version=contact.version,
            actor=SYSTEM,  # type: ignore[arg-type]
        )
    assert sent is False
    assert stripe_side.customers_of(tenancy.tenant_id) == [customer]


@pytest.mark.parametrize("field", ["name", "email", "address"])
def test_every_billing_field_is_stored_as_ciphertext(
    client: TestClient, runtime: Runtime, tenancy: Tenancy, field: str
) -> None:
    client.patch(tenancy.billing, json=DETAILS, headers=tenancy.auth)
    with runtime.transaction() as session:
        contact = repository.contact(session, tenant_id=tenancy.tenant_id)
        assert contact is not None
        sealed = getattr(contact, f"{field}_ct")
    assert isinstance(sealed, bytes)
    assert b"Ada" not in sealed
    assert b"Dover" not in sealed
