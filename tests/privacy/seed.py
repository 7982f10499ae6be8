"""One person held everywhere the platform can hold them, made through the real services.

The person is a customer in a business's Zendesk (the sandbox, over HTTP), a contact of
that business and its billing contact (with a Stripe customer in the in-memory Stripe and
an invoice), a recipient of a promotional message, opted out of promotions, and a member
of the business who signs in (with usage events and device sightings).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select

from omniwise.app import create_app
from omniwise.auth.actor import SYSTEM, Actor
from omniwise.auth.roles import Role
from omniwise.billing.config import BillingConfig
from omniwise.billing.gateway import InMemoryStripeGateway, install_gateway
from omniwise.billing.models import BillingAccount, BillingInvoice
from omniwise.billing.schemas import BillingDetailsUpdate
from omniwise.billing.service.details import correct_billing_details, push_billing_details
from omniwise.config import Settings
from omniwise.contacts import service as contacts
from omniwise.contacts.schemas import ContactCreate
from omniwise.devices.service import record_sighting
from omniwise.messaging.service import NewMessage, enqueue
from omniwise.messaging.suppression import suppress_address
from omniwise.privacy.contract import RequestType, StepContext, ZendeskInstruction
from omniwise.runtime import Runtime, build_runtime
from omniwise.sandbox.server import SandboxServer
from omniwise.tenants.models import Tenant
from omniwise.usage.service import record_usage
from omniwise.users.schemas import UserCreate
from omniwise.users.service import create_user
from tests.cli.helpers import free_port
from tests.zendesk.helpers import Connected, connect, sandbox_config, sync_now

ACTOR = Actor(kind="system", id="privacy-request", role=None)
NEWS = {"headline": "News", "summary": "Something new.", "link": "https://omniwise.com/news"}


@dataclass
class Seeded:
    runtime: Runtime
    client: TestClient
    connected: Connected
    stripe: InMemoryStripeGateway
    tenant_id: uuid.UUID
    email: str
    name: str
    zendesk_user_id: int
    contact_id: uuid.UUID
    user_id: uuid.UUID
    customer_id: str

    @property
    def sandbox(self) -> SandboxServer:
        return self.connected.sandbox


@contextlib.contextmanager
def step(
    runtime: Runtime,
    request_type: RequestType,
    *,
    request_id: uuid.UUID | None = None,
    instruction: ZendeskInstruction | None = None,
    changes: dict[str, str] | None = None,
) -> Iterator[StepContext]:
    """One step of a request: its own transaction, as the engine runs it."""
    with runtime.transaction() as session:
        yield StepContext(
            session=session,
            runtime=runtime,
            actor=ACTOR,
            request_id=request_id or uuid.uuid4(),
            request_type=request_type,
            zendesk_instruction=instruction,
            changes=changes or {},
        )


@contextlib.contextmanager
def seeded_platform(settings: Settings) -> Iterator[Seeded]:
    runtime = build_runtime(settings.model_copy(update={"stripe_gateway": "memory"}))
    stripe = InMemoryStripeGateway()
    install_gateway(runtime, stripe)
    try:
        with (
            TestClient(create_app(runtime), raise_server_exceptions=False) as client,
            SandboxServer(sandbox_config(), port=free_port()) as sandbox,
        ):
            connected = connect(client, runtime, sandbox)
            yield _seed(runtime, client, connected, stripe)
    finally:
        runtime.dispose()


def _seed(runtime: Runtime, client: TestClient, connected: Connected, stripe: InMemoryStripeGateway) -> Seeded:
    store = connected.sandbox.sandbox.store
    customer = next(u for u in store.users.values() if u.role == "end-user" and u.email)
    agent = next(u for u in store.users.values() if u.role == "agent")
    other = next(u for u in store.users.values() if u.role == "end-user" and u.id != customer.id)
    mine = store.add_ticket(requester=customer, subject="Refund please", body="My order never came")
    store.add_comment(mine, author_id=agent.id, body="Refund issued", public=True)
    store.add_comment(mine, author_id=agent.id, body="internal: check fraud", public=False)
    store.add_comment(mine, author_id=customer.id, body="Thanks")
    theirs = store.add_ticket(requester=other, subject="Late too", body="Same here")
    store.add_comment(theirs, author_id=customer.id, body="Me too")
    sync_now(connected)
    assert customer.email is not None
    email, name = customer.email, customer.name
    tenant_id = uuid.UUID(connected.tenant_id)
    with runtime.transaction() as session:
        tenant = session.get(Tenant, tenant_id)
        assert tenant is not None
        contact = contacts.create_contact(
            session,
            runtime.keyring,
            actor=SYSTEM,
            tenant=tenant,
            data=ContactCreate(name=name, email=email, phone="+14155552671", job_title="Buyer"),
        )
        row = contacts.repository.get(session, tenant_id=tenant_id, contact_id=contact.id)
        assert row is not None
        enqueue(
            session,
            runtime.policy,
            template="product_news",
            message=NewMessage(
                tenant_id=tenant_id,
                subject_id=row.subject_id,
                recipient_type="contact",
                recipient_id=contact.id,
                dedupe_key=f"news:{contact.id}",
                params=NEWS,
            ),
            actor=SYSTEM,
        )
        suppress_address(session, runtime.keyring, email=email, reason="request", actor=SYSTEM)
        config = BillingConfig.from_settings(runtime.settings)
        correct_billing_details(
            session,
            runtime.keyring,
            config=config,
            actor=SYSTEM,
            tenant=tenant,
            data=BillingDetailsUpdate.model_validate(
                {"name": name, "email": email, "address": {"line1": "1 High Street", "country": "GB"}}
            ),
        )
        push_billing_details(session, runtime.keyring, stripe, tenant=tenant, version=1, actor=SYSTEM)
        account = session.scalars(select(BillingAccount).where(BillingAccount.tenant_id == tenant_id)).one()
        customer_id = account.stripe_customer_id
        assert customer_id is not None
        session.add(
            BillingInvoice(
                id=uuid.uuid4(),
                tenant_id=tenant_id,
                stripe_invoice_id=f"in_{uuid.uuid4().hex[:12]}",
                stripe_customer_id=customer_id,
                number="OW-0001",
                currency="eur",
                amount_due=2900,
                amount_paid=2900,
                total=2900,
                status="paid",
                issued_at=datetime(2026, 3, 1, tzinfo=UTC),
                hosted_invoice_url="https://invoice.stripe.com/i/test",
            )
        )
        user = create_user(
            session,
            runtime.keyring,
            settings=runtime.settings,
            data=UserCreate(email=email, role=Role.TENANT_MEMBER, tenant_id=tenant_id, name=name),
            password="correct horse battery staple",
        )
        record_usage(
            session,
            feature="GET /api/v1/tenants/{tenant_id}",
            outcome="2xx",
            tenant_id=tenant_id,
            actor_type="user",
            actor_id=str(user.id),
        )
        record_sighting(
            session,
            tenant_id=tenant_id,
            actor_id=str(user.id),
            ip="203.0.113.7",
            user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
        )
    return Seeded(
        runtime, client, connected, stripe, tenant_id, email, name, customer.id, contact.id, user.id, customer_id
    )
