"""Closing an account: subscriptions canceled, the Stripe customer deleted, invoices kept restricted, then deleted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from omniwise.app import create_app
from omniwise.audit.models import AuditEvent
from omniwise.auth.actor import SYSTEM
from omniwise.billing.errors import StripeUnavailable
from omniwise.billing.gateway import InMemoryStripeGateway, StripeGateway, install_gateway
from omniwise.billing.models import BillingInvoice, StripeEvent
from omniwise.billing.retention import CATEGORY, invoice_retention
from omniwise.config import Settings
from omniwise.policy.model import Policy
from omniwise.retention.models import RetentionRunCategory
from omniwise.retention.sweep import run_retention
from omniwise.runtime import Runtime, build_runtime
from tests.billing.conftest import billing_settings
from tests.billing.helpers import Tenancy, deliver, event, process_events, run_queued, subscribe_through_checkout
from tests.billing.stripe_side import StripeSide
from tests.cli.helpers import run_cli
from tests.factories import auth

DETAILS = {"name": "Ada Lovelace", "email": "ada@example.org"}


def _sweep_billing(runtime: Runtime, *, now: datetime | None = None) -> dict[str, RetentionRunCategory]:
    """A real retention run of the billing rules; its record per sweeper."""
    run_id = run_retention(runtime, dry_run=False, started_by="cli", actor=SYSTEM, now=now, categories=[CATEGORY])
    with runtime.transaction() as session:
        rows = session.scalars(select(RetentionRunCategory).where(RetentionRunCategory.run_id == run_id)).all()
        session.expunge_all()
        return {row.sweeper or "": row for row in rows}


def _restricted(client: TestClient, tenancy: Tenancy, token: str, **params: str) -> Any:
    return client.get(f"{tenancy.billing}/restricted-invoices", params=params, headers=auth(token))


def _invoices(runtime: Runtime, tenant_id: uuid.UUID) -> list[BillingInvoice]:
    with runtime.transaction() as session:
        rows = list(session.scalars(select(BillingInvoice).where(BillingInvoice.tenant_id == tenant_id)))
        session.expunge_all()
        return rows


def test_closing_cancels_deletes_and_keeps_invoices_restricted(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    client.patch(tenancy.billing, json=DETAILS, headers=tenancy.auth)
    completed = subscribe_through_checkout(client, runtime, stripe_memory, tenancy.admin, tenancy.tenant_id)
    run_queued(runtime, "billing.push_details")
    customer, sub_id = completed["customer"], completed["subscription"]
    issued = _invoices(runtime, tenancy.tenant_id)[0].issued_at

    response = client.post(f"{tenancy.billing}/close", headers=tenancy.auth)
    assert response.status_code == 200, response.text
    report = response.json()
    kept_until = datetime(issued.year + 11, 1, 1, tzinfo=UTC)  # ten years from the end of its financial year
    assert report["subscriptions_canceled"] == 1
    assert report["customer_deleted"] is True
    assert report["details_erased"] is True
    assert report["invoices_restricted"] == 1
    assert datetime.fromisoformat(report["delete_after_earliest"]) == kept_until
    assert stripe_memory.subscriptions[sub_id]["status"] == "canceled"
    assert stripe_memory.customers[customer] == {"id": customer, "object": "customer", "deleted": True}

    billing = client.get(tenancy.billing, headers=tenancy.auth).json()
    assert billing["account_status"] == "closed"
    assert billing["details"] is None
    assert billing["subscription"] is None
    assert client.get(f"{tenancy.billing}/invoices", headers=tenancy.auth).json()["items"] == []

    # only a privacy officer reads them, and only with a reason
    assert _restricted(client, tenancy, tenancy.admin, reason="tax_audit").status_code == 403
    assert _restricted(client, tenancy, tenancy.vendor_admin, reason="tax_audit").status_code == 403
    assert _restricted(client, tenancy, tenancy.privacy_officer).status_code == 422
    assert _restricted(client, tenancy, tenancy.privacy_officer, reason="curiosity").status_code == 422
    read = _restricted(client, tenancy, tenancy.privacy_officer, reason="tax_audit", reference="case-2026-17")
    assert read.status_code == 200
    (invoice,) = read.json()["items"]
    assert invoice["status"] == "paid"
    assert invoice["amount_paid"] == 2900
    assert invoice["hosted_invoice_url"] is None
    assert datetime.fromisoformat(invoice["delete_after"]) == kept_until
    assert invoice["restricted_reason"] == (
        "account closed; kept for the legal period of billing_details.tax_records (P10Y from financial_year_end)"
    )
    with runtime.transaction() as session:
        audited = session.scalars(select(AuditEvent).where(AuditEvent.name == "billing:invoices:restricted_read")).one()
        closed = session.scalars(select(AuditEvent).where(AuditEvent.name == "billing:account:closed")).one()
    assert audited.details["reason"] == "tax_audit"
    assert audited.details["reference"] == "case-2026-17"
    assert audited.details["invoices"] == [invoice["id"]]
    assert closed.details["customer_deleted"] is True
    with runtime.transaction() as session:
        left = session.scalars(select(StripeEvent).where(StripeEvent.tenant_id == tenancy.tenant_id)).all()
    assert left == []


def test_a_closed_account_stays_closed_and_keeps_late_invoices_restricted(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    completed = subscribe_through_checkout(client, runtime, stripe_memory, tenancy.admin, tenancy.tenant_id)
    first = client.post(f"{tenancy.billing}/close", headers=tenancy.auth).json()

    again = client.post(f"{tenancy.billing}/close", headers=tenancy.auth)
    assert again.status_code == 200
    assert again.json()["closed_at"] == first["closed_at"]
    assert again.json()["subscriptions_canceled"] == 0
    for method, path, body in (
        ("POST", "/checkout", {"plan": "messenger-monthly"}),
        ("POST", "/portal", None),
        ("PATCH", "", DETAILS),
    ):
        response = client.request(method, f"{tenancy.billing}{path}", json=body, headers=tenancy.auth)
        assert response.status_code == 409, path
        assert response.json()["detail"] == f"the billing account of tenant {tenancy.tenant_id} is closed"

    # Stripe finalises one more invoice after the closing: it is a tax record like the others
    late = stripe_memory.add_invoice(completed["subscription"], paid=False)
    deliver(client, event("invoice.finalized", stripe_memory.invoices[late]))
    deliver(client, event("customer.subscription.deleted", stripe_memory.subscriptions[completed["subscription"]]))
    process_events(runtime)
    rows = _invoices(runtime, tenancy.tenant_id)
    assert len(rows) == 2
    assert all(row.restricted_at is not None and row.delete_after is not None for row in rows)
    assert client.get(tenancy.billing, headers=tenancy.auth).json()["subscription"] is None


def test_closing_without_a_stripe_customer_needs_no_stripe(settings: Settings) -> None:
    runtime = build_runtime(billing_settings(settings, stripe_gateway="stripe"))
    try:
        with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
            tenancy = Tenancy(client, runtime)
            client.patch(tenancy.billing, json=DETAILS, headers=tenancy.auth)
            response = client.post(f"{tenancy.billing}/close", headers=tenancy.auth)
            assert response.status_code == 200
            assert response.json()["customer_deleted"] is False
            assert response.json()["details_erased"] is True
            assert client.post(f"{tenancy.billing}/close", headers=auth(tenancy.member)).status_code == 403
    finally:
        runtime.dispose()


def test_closing_a_customer_with_stripe_unconfigured_is_503(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy, settings: Settings
) -> None:
    subscribe_through_checkout(client, runtime, stripe_memory, tenancy.admin, tenancy.tenant_id)
    unconfigured = build_runtime(billing_settings(settings, stripe_gateway="stripe"))
    try:
        with TestClient(create_app(unconfigured), raise_server_exceptions=False) as other:
            response = other.post(f"{tenancy.billing}/close", headers=tenancy.auth)
        assert response.status_code == 503
        assert "OMNIWISE_STRIPE_API_KEY" in response.json()["detail"]
    finally:
        unconfigured.dispose()
    assert client.get(tenancy.billing, headers=tenancy.auth).json()["account_status"] == "active"


class DeleteFailsOnce:
    """The real gateway, except that the first deletion of a customer fails as an outage would."""

    def __init__(self, inner: StripeGateway) -> None:
        self.inner = inner
        self.canceled: list[str] = []
        self.failed = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def cancel_subscription(self, *, subscription_id: str, idempotency_key: str) -> Any:
        self.canceled.append(idempotency_key)
        return self.inner.cancel_subscription(subscription_id=subscription_id, idempotency_key=idempotency_key)

    def delete_customer(self, *, customer_id: str, idempotency_key: str) -> bool:
        if not self.failed:
            self.failed = True
            raise StripeUnavailable("Stripe did not answer (customer deletion)")
        return self.inner.delete_customer(customer_id=customer_id, idempotency_key=idempotency_key)


def test_closing_again_after_a_failure_finishes_the_job(
    any_stripe_client: TestClient, any_stripe_runtime: Runtime, stripe_side: StripeSide
) -> None:
    client, runtime = any_stripe_client, any_stripe_runtime
    flaky = DeleteFailsOnce(stripe_side.gateway)
    install_gateway(runtime, flaky)  # type: ignore[arg-type]
    tenancy = Tenancy(client, runtime)
    client.patch(tenancy.billing, json=DETAILS, headers=tenancy.auth)
    run_queued(runtime, "billing.push_details")
    customer = client.get(tenancy.billing, headers=tenancy.auth).json()["stripe_customer_id"]
    sub_id = stripe_side.subscribe(customer, tenancy.tenant_id)

    failed = client.post(f"{tenancy.billing}/close", headers=tenancy.auth)
    assert failed.status_code == 503
    assert client.get(tenancy.billing, headers=tenancy.auth).json()["account_status"] == "active"

    closed = client.post(f"{tenancy.billing}/close", headers=tenancy.auth)
    assert closed.status_code == 200, closed.text
    assert closed.json()["customer_deleted"] is True
    assert closed.json()["invoices_restricted"] == 1
    assert stripe_side.customers_of(tenancy.tenant_id) == []
    assert len(flaky.canceled) == 1  # the retry found the subscription already ended
    ended = stripe_side.gateway.get_subscription(sub_id)
    assert ended is not None
    assert ended.status == "canceled"


def test_retention_is_read_from_the_policy(runtime: Runtime) -> None:
    issued = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    closed = datetime(2026, 11, 1, tzinfo=UTC)
    shipped = invoice_retention(runtime.policy, issued_at=issued, closed_at=closed)
    assert shipped.delete_after == datetime(2037, 1, 1, tzinfo=UTC)

    def changed(**exception: str) -> Policy:
        data = runtime.policy.model_dump(mode="json", by_alias=True)
        category = next(c for c in data["categories"] if c["id"] == "billing_details")
        if exception:
            category["retention"]["exceptions"][0].update(exception)
        else:
            category["retention"]["exceptions"] = []
        return Policy.model_validate(data)

    seven_years = invoice_retention(changed(period="P7Y", trigger="collected"), issued_at=issued, closed_at=closed)
    assert seven_years.delete_after == datetime(2033, 3, 5, 12, 0, tzinfo=UTC)
    assert "P7Y from collected" in seven_years.reason
    # without the tax-law exception, the category's own period applies: a year after the subscription ended
    plain = invoice_retention(changed(), issued_at=issued, closed_at=closed)
    assert plain.delete_after == datetime(2027, 11, 1, tzinfo=UTC)
    assert "of billing_details (P1Y from subscription_ended)" in plain.reason


def test_restricted_invoices_are_deleted_by_the_retention_sweep_when_their_period_ends(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    subscribe_through_checkout(client, runtime, stripe_memory, tenancy.admin, tenancy.tenant_id)
    client.post(f"{tenancy.billing}/close", headers=tenancy.auth)
    (row,) = _invoices(runtime, tenancy.tenant_id)
    assert row.delete_after is not None

    # the date shown to the privacy officer is the one the sweep keeps: not a day before it...
    early = _sweep_billing(runtime, now=row.delete_after - timedelta(days=1))
    assert early["billing.invoices"].candidates == 0
    assert len(_invoices(runtime, tenancy.tenant_id)) == 1
    # ...and gone once it has passed, with the tenant's audit trail saying how many went
    late = _sweep_billing(runtime, now=row.delete_after + timedelta(minutes=1))
    assert late["billing.invoices"].deleted == 1
    assert _invoices(runtime, tenancy.tenant_id) == []
    with runtime.transaction() as session:
        purged = session.scalars(select(AuditEvent).where(AuditEvent.name == "billing:invoices:purged")).one()
    assert purged.details["count"] == 1
    assert purged.tenant_id == tenancy.tenant_id


def test_stored_webhook_events_are_deleted_after_their_period(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    old, recent = event("charge.succeeded", {"object": "charge", "id": "ch_old"}), event("charge.refunded", {})
    deliver(client, old)
    deliver(client, recent)
    with runtime.transaction() as session:
        session.execute(
            update(StripeEvent)
            .where(StripeEvent.stripe_event_id == old["id"])
            .values(received_at=datetime.now(UTC) - timedelta(days=31))
        )
    swept = _sweep_billing(runtime)
    assert swept["billing.stripe_events"].deleted == 1
    with runtime.transaction() as session:
        assert list(session.scalars(select(StripeEvent.stripe_event_id))) == [recent["id"]]
    assert _sweep_billing(runtime)["billing.stripe_events"].candidates == 0


def test_the_retention_command_deletes_what_billing_keeps_no_longer(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    subscribe_through_checkout(client, runtime, stripe_memory, tenancy.admin, tenancy.tenant_id)
    client.post(f"{tenancy.billing}/close", headers=tenancy.auth)
    settings = runtime.settings
    env = {"OMNIWISE_ENVIRONMENT": "test", "COLUMNS": "400"}
    if settings.database_url is not None:
        env.update(OMNIWISE_DATABASE_URL=settings.database_url, OMNIWISE_KEYSTORE_URL=settings.database_url)

    with runtime.transaction() as session:
        session.execute(update(BillingInvoice).values(issued_at=datetime(2010, 5, 1, tzinfo=UTC)))
    swept = run_cli(["retention", "run", "--category", "billing_details"], settings.data_dir, env=env)
    assert swept.returncode == 0, swept.stderr
    text = " ".join(swept.stdout.replace("│", " ").split())
    assert "P10Y financial_year_end -> delete billing.invoices 1 deleted 1 0 0" in text
    assert "business_details" not in text
    assert _invoices(runtime, tenancy.tenant_id) == []


def test_closing_the_account_closes_its_billing_in_the_same_transaction(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway
) -> None:
    tenancy = Tenancy(client, runtime)
    subscribe_through_checkout(client, runtime, stripe_memory, tenancy.admin, tenancy.tenant_id)
    closed = client.post(f"/api/v1/tenants/{tenancy.tenant_id}/close", headers=tenancy.auth)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    billing = client.get(tenancy.billing, headers=tenancy.auth).json()
    assert billing["account_status"] == "closed"
    assert billing["subscription"] is None
    assert all(sub["status"] == "canceled" for sub in stripe_memory.subscriptions.values())


def test_a_stripe_outage_leaves_the_account_open(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway
) -> None:
    tenancy = Tenancy(client, runtime)
    subscribe_through_checkout(client, runtime, stripe_memory, tenancy.admin, tenancy.tenant_id)
    install_gateway(runtime, DeleteFailsOnce(stripe_memory))  # type: ignore[arg-type]
    failed = client.post(f"/api/v1/tenants/{tenancy.tenant_id}/close", headers=tenancy.auth)
    assert failed.status_code == 503
    tenant = client.get(f"/api/v1/tenants/{tenancy.tenant_id}", headers=tenancy.auth).json()
    assert tenant["status"] == "active"  # nothing is closed when Stripe cannot be told
    assert client.post(f"/api/v1/tenants/{tenancy.tenant_id}/close", headers=tenancy.auth).status_code == 200
