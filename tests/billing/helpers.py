"""Signed Stripe deliveries built with Stripe's documented algorithm, and billing steps tests repeat."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select, update

from omniwise.auth.roles import Role
from omniwise.billing.gateway import InMemoryStripeGateway
from omniwise.billing.models import StripeEvent
from omniwise.kit.clock import utcnow
from omniwise.runtime import Runtime
from omniwise.worker import Job, JobStatus
from omniwise.worker.runner import run_job
from tests.factories import api_token, auth, create_tenant

WEBHOOK_SECRET = "whsec_omniwise_test_secret"


def queued_jobs(runtime: Runtime, name: str) -> list[uuid.UUID]:
    with runtime.transaction() as session:
        return list(
            session.scalars(
                select(Job.id)
                .where(Job.name == name, Job.status.in_([JobStatus.QUEUED.value, JobStatus.FAILED_WILL_RETRY.value]))
                .order_by(Job.created_at)
            )
        )


def run_queued(runtime: Runtime, name: str) -> list[JobStatus | None]:
    """Run every queued job of `name` now, in this thread, through the real job runner."""
    return [run_job(runtime, job_id) for job_id in queued_jobs(runtime, name)]


def signature(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """`Stripe-Signature`: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the endpoint secret>."""
    moment = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{moment}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={moment},v1={mac}"


def event(event_type: str, obj: dict[str, Any], *, created: int | None = None) -> dict[str, Any]:
    return {
        "id": f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()) if created is None else created,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        "data": {"object": obj},
    }


def deliver(client: TestClient, body: dict[str, Any] | bytes, **signing: Any) -> Response:
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Stripe-Signature": signature(payload, **signing), "Content-Type": "application/json"}
    return client.post("/webhooks/stripe", content=payload, headers=headers)


def stored_events(runtime: Runtime) -> int:
    with runtime.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(StripeEvent)) or 0)


def event_row(runtime: Runtime, stripe_event_id: str) -> StripeEvent:
    with runtime.transaction() as session:
        row = session.scalars(select(StripeEvent).where(StripeEvent.stripe_event_id == stripe_event_id)).one()
        session.expunge(row)
        return row


def process_events(runtime: Runtime) -> int:
    return len(run_queued(runtime, "billing.process_event"))


def make_due(runtime: Runtime) -> None:
    """Jobs waiting out a retry back-off become due now."""
    with runtime.transaction() as session:
        session.execute(update(Job).values(run_after=utcnow()))


def subscribe_through_checkout(
    client: TestClient, runtime: Runtime, memory: InMemoryStripeGateway, token: str, tenant_id: uuid.UUID
) -> dict[str, Any]:
    """A tenant admin opens Checkout, pays on Stripe's page, and Stripe's signed event is processed."""
    response = client.post(
        f"/api/v1/tenants/{tenant_id}/billing/checkout", json={"plan": "messenger-monthly"}, headers=auth(token)
    )
    assert response.status_code == 201, response.text
    completed = memory.complete_checkout(response.json()["id"])
    delivered = deliver(client, event("checkout.session.completed", completed))
    assert delivered.status_code == 200, delivered.text
    process_events(runtime)
    return completed


class Tenancy:
    """A tenant with its admin, member and vendor staff tokens."""

    def __init__(self, client: TestClient, runtime: Runtime) -> None:
        self.vendor_admin = api_token(runtime, Role.VENDOR_ADMIN)
        self.tenant_id = create_tenant(client, self.vendor_admin)
        self.admin = api_token(runtime, Role.TENANT_ADMIN, self.tenant_id)
        self.member = api_token(runtime, Role.TENANT_MEMBER, self.tenant_id)
        self.privacy_officer = api_token(runtime, Role.PRIVACY_OFFICER)

    @property
    def billing(self) -> str:
        return f"/api/v1/tenants/{self.tenant_id}/billing"

    @property
    def auth(self) -> dict[str, str]:
        """The tenant admin's headers."""
        return auth(self.admin)
