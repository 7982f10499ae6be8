"""A business's customer from the sandbox Zendesk, end to end: routed to the business, decided, carried out.

The person is a customer in the business's Zendesk (the sandbox, over HTTP), and also its
contact and billing contact (with a Stripe customer and an invoice). Omni Wise is the
business's processor for the Zendesk data, so every request for them waits for the
business's admins, who are told by mail (a real SMTP server on loopback) and approve it
with an instruction, or refuse it. Assertions are on ids, counts and statuses only.
"""

from __future__ import annotations

import contextlib
import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from omniwise.auth.actor import SYSTEM
from omniwise.auth.roles import Role
from omniwise.billing.models import BillingInvoice
from omniwise.config import Settings
from omniwise.contacts.models import Contact
from omniwise.contacts.schemas import ContactCreate
from omniwise.contacts.service import create_contact
from omniwise.messaging.models import MessageStatus, OutboxMessage
from omniwise.messaging.service import NewMessage, enqueue
from omniwise.privacy.models import PrivacyRequest
from omniwise.runtime import Runtime
from omniwise.tenants.models import Tenant
from omniwise.users.schemas import UserCreate
from omniwise.users.service import create_user
from omniwise.worker.process import BackgroundJobs
from omniwise.zendesk.models import ZendeskComment, ZendeskUser
from tests.cli.helpers import free_port
from tests.factories import api_token, auth
from tests.messaging.conftest import Inbox, SmtpServer
from tests.messaging.helpers import NEWS_PARAMS, NOTICE_PARAMS
from tests.privacy.helpers import events, new_request, wait_for
from tests.privacy.seed import Seeded, seeded_platform
from tests.zendesk.helpers import connect, sync_now, wait_until

ADMIN_EMAIL = "owner@acme.example"
WAIT = 90.0


class Business:
    """The seeded platform with the business's admin (a user who gets mail, and an API token) and staff."""

    def __init__(self, seeded: Seeded, smtp: SmtpServer) -> None:
        self.seeded = seeded
        self.smtp = smtp
        runtime = seeded.runtime
        with runtime.transaction() as session:
            self.admin_user_id = create_user(
                session,
                runtime.keyring,
                settings=runtime.settings,
                data=UserCreate(email=ADMIN_EMAIL, role=Role.TENANT_ADMIN, tenant_id=seeded.tenant_id, name="Owner"),
                password="correct horse battery staple",
            ).id
        self.admin = api_token(runtime, Role.TENANT_ADMIN, seeded.tenant_id)
        self.officer = api_token(runtime, Role.PRIVACY_OFFICER)

    def open(self, request_type: str) -> dict[str, Any]:
        return new_request(self.seeded.client, self.officer, self.seeded.tenant_id, self.seeded.email, request_type)

    def wait(self, request_id: str, *statuses: str) -> dict[str, Any]:
        return wait_for(self.seeded.client, self.officer, request_id, *statuses, timeout=WAIT)

    def decide(self, request_id: str, body: dict[str, Any]) -> int:
        path = f"/api/v1/privacy-requests/{request_id}/decision"
        return self.seeded.client.post(path, json=body, headers=auth(self.admin)).status_code

    def messages(self, template: str) -> list[OutboxMessage]:
        with self.seeded.runtime.transaction() as session:
            rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.template == template)))
            session.expunge_all()
            return rows

    def sent(self, template: str) -> list[OutboxMessage]:
        """The messages of a template, once every one of them has left the outbox."""
        wait_until(lambda: all(m.status != MessageStatus.QUEUED.value for m in self.messages(template)), timeout=WAIT)
        return self.messages(template)

    def mail_to(self, address: str) -> int:
        return sum(1 for recipients, _ in self.smtp.inbox.received if address in recipients)


@pytest.fixture
def business(settings: Settings) -> Iterator[Business]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    smtp_server = SmtpServer(f"smtp://127.0.0.1:{controller.port}", inbox)
    with contextlib.ExitStack() as stack:
        stack.callback(controller.stop)
        seeded = stack.enter_context(seeded_platform(settings, opted_out=False, smtp_url=smtp_server.url))
        machinery = BackgroundJobs(seeded.runtime, consume=True, reconcile=False)
        machinery.start()
        try:
            yield Business(seeded, smtp_server)
        finally:
            machinery.stop()


def _routed_to_the_business(business: Business, created: dict[str, Any]) -> dict[str, Any]:
    """The request stops after locate, waiting for the business; its admins are told by mail."""
    waiting = business.wait(created["id"], "awaiting_approval", "completed", "refused")
    assert waiting["status"] == "awaiting_approval"
    assert waiting["needs_approval"] is True
    assert [(s["name"], s["status"]) for s in waiting["steps"]] == [("locate", "done")]
    roles = {(h["contribution"], h["role"]) for h in waiting["holdings"]}
    assert ("zendesk", "processor") in roles
    zendesk = next(h for h in waiting["holdings"] if h["contribution"] == "zendesk")
    assert zendesk["description"].endswith(".zendesk.com")  # the account as the business knows it
    assert ("billing", "controller") in roles
    asked = [m for m in business.sent("privacy_approval_needed") if m.params["reference"] == waiting["reference"]]
    assert [(m.recipient_id, m.status) for m in asked] == [(business.admin_user_id, MessageStatus.SENT.value)]
    assert business.mail_to(ADMIN_EMAIL) >= 1
    assert events(business.seeded.runtime, "privacy:request:approval_requested", created["id"]) == 1
    return waiting


def _queue_to_contact(runtime: Runtime, seeded: Seeded, template: str, params: dict[str, Any]) -> uuid.UUID:
    with runtime.transaction() as session:
        subject_id = session.scalar(select(Contact.subject_id).where(Contact.id == seeded.contact_id))
        assert subject_id is not None
        message = NewMessage(
            tenant_id=seeded.tenant_id,
            subject_id=subject_id,
            recipient_type="contact",
            recipient_id=seeded.contact_id,
            dedupe_key=f"{template}:{uuid.uuid4()}",
            params=params,
        )
        return enqueue(session, runtime.policy, template=template, message=message, actor=SYSTEM).id


def _status_of(runtime: Runtime, message_id: uuid.UUID) -> str:
    with runtime.transaction() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        return message.status


def test_a_customer_s_deletion_approved_by_the_business_reaches_zendesk_and_keeps_the_invoice(
    business: Business,
) -> None:
    seeded = business.seeded
    runtime = seeded.runtime
    store = seeded.sandbox.sandbox.store
    person = seeded.zendesk_user_id
    requested = [t.id for t in store.tickets.values() if t.requester_id == person]
    assert requested

    # first the person opts out of our promotions, which is not the business's to decide:
    # a promotion to their address is not sent, a notice is
    opt_out = business.open("opt_out")
    done = business.wait(opt_out["id"], "completed", "refused")
    assert done["status"] == "completed"
    assert done["needs_approval"] is False
    assert any(line["action"] == "suppressed" for line in done["report"])
    promotion = _queue_to_contact(runtime, seeded, "product_news", NEWS_PARAMS)
    notice = _queue_to_contact(runtime, seeded, "notice_changed", NOTICE_PARAMS)
    wait_until(lambda: _status_of(runtime, notice) != MessageStatus.QUEUED.value, timeout=WAIT)
    wait_until(lambda: _status_of(runtime, promotion) != MessageStatus.QUEUED.value, timeout=WAIT)
    assert _status_of(runtime, promotion) == MessageStatus.SUPPRESSED.value
    assert _status_of(runtime, notice) == MessageStatus.SENT.value

    created = business.open("deletion")
    _routed_to_the_business(business, created)
    # a deletion is not approved without an instruction for the customer's tickets
    assert business.decide(created["id"], {"approve": True}) == 422
    assert business.decide(created["id"], {"approve": True, "instruction": "delete_permanently"}) == 200
    done = business.wait(created["id"], "completed", "refused")
    assert done["status"] == "completed", [(s["name"], s["status"]) for s in done["steps"]]
    assert done["decision"] == "approved"
    assert done["instruction"] == "delete_permanently"
    assert all(s["status"] == "done" for s in done["steps"])
    assert events(runtime, "privacy:request:completed", created["id"]) == 1

    # gone from the sandbox Zendesk: the user deleted and deleted for good, their tickets purged
    assert person not in store.users
    assert person in store.purged_user_ids
    assert set(requested) <= store.purged_ticket_ids
    # and from the mirror and the platform
    with runtime.transaction() as session:
        assert session.scalars(select(ZendeskUser).where(ZendeskUser.zendesk_id == person)).all() == []
        assert session.scalars(select(ZendeskComment).where(ZendeskComment.author_zendesk_id == person)).all() == []
        assert session.get(Contact, seeded.contact_id) is None
        [invoice] = session.scalars(select(BillingInvoice).where(BillingInvoice.tenant_id == seeded.tenant_id)).all()
        assert invoice.restricted_at is not None

    # the report says what went where, and what stays, why and until when
    report = done["report"]
    wheres = {(line["contribution"], line["action"], line["where"]) for line in report if line["count"]}
    assert any(c == "zendesk" and a == "deleted" and w.startswith("Zendesk (") for c, a, w in wheres)
    assert ("contacts", "deleted") in {(c, a) for c, a, _ in wheres}
    [kept] = [line for line in report if line["contribution"] == "billing" and line["action"] == "kept"]
    assert kept["count"] == 1
    assert kept["reason"]
    assert invoice.delete_after is not None
    assert kept["until"] == invoice.delete_after.date().isoformat()
    completed = business.sent("privacy_completed")
    assert [m.status for m in completed if m.recipient_id == uuid.UUID(created["id"])] == ["sent"]

    # the opt-out outlives the deletion: the person back as a new contact gets no promotion
    with runtime.transaction() as session:
        tenant = session.get(Tenant, seeded.tenant_id)
        assert tenant is not None
        again = create_contact(
            session, runtime.keyring, actor=SYSTEM, tenant=tenant, data=ContactCreate(name="Ada", email=seeded.email)
        )
    seeded.contact_id = again.id
    promotion = _queue_to_contact(runtime, seeded, "product_news", NEWS_PARAMS)
    wait_until(lambda: _status_of(runtime, promotion) != MessageStatus.QUEUED.value, timeout=WAIT)
    assert _status_of(runtime, promotion) == MessageStatus.SUPPRESSED.value


def test_a_customer_s_request_refused_by_the_business_is_closed_and_the_requester_told(business: Business) -> None:
    seeded = business.seeded
    store = seeded.sandbox.sandbox.store
    created = business.open("deletion")
    _routed_to_the_business(business, created)
    assert business.decide(created["id"], {"approve": False}) == 422  # a refusal says why
    assert business.decide(created["id"], {"approve": False, "reason": "The tickets are under legal review"}) == 200
    refused = business.wait(created["id"], "refused", "completed")
    assert refused["status"] == "refused"
    assert refused["decision"] == "refused"
    assert refused["refusal_reason"] is not None
    assert "legal review" in refused["refusal_reason"]
    assert [s["status"] for s in refused["steps"]] == ["done"]
    told = [m for m in business.sent("privacy_refused") if m.recipient_id == uuid.UUID(created["id"])]
    assert [m.status for m in told] == [MessageStatus.SENT.value]
    assert events(seeded.runtime, "privacy:request:refused", created["id"]) == 1
    assert events(seeded.runtime, "privacy:request:completed", created["id"]) == 0
    # nothing was done in Zendesk or here
    assert seeded.zendesk_user_id in store.users
    with seeded.runtime.transaction() as session:
        assert session.get(Contact, seeded.contact_id) is not None
    # the decision is made once
    assert business.decide(created["id"], {"approve": True, "instruction": "redact"}) == 409


def test_a_customer_s_access_export_has_their_zendesk_data_with_others_masked(business: Business) -> None:
    seeded = business.seeded
    created = business.open("access")
    _routed_to_the_business(business, created)
    assert business.decide(created["id"], {"approve": True}) == 200
    done = business.wait(created["id"], "completed", "refused")
    assert done["status"] == "completed", [(s["name"], s["status"]) for s in done["steps"]]
    response = seeded.client.get(f"/api/v1/privacy-requests/{created['id']}/export", headers=auth(business.officer))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())

    def records(stem: str) -> list[dict[str, Any]]:
        [name] = [n for n in names if n.rsplit("/", 1)[-1] == f"{stem}.json"]
        data: list[dict[str, Any]] = json.loads(archive.read(name))
        return data

    for stem in ("zendesk_users", "zendesk_tickets", "zendesk_comments"):
        assert any(n.rsplit("/", 1)[-1] == f"{stem}.schema.json" for n in names), stem
    store = seeded.sandbox.sandbox.store
    person = seeded.zendesk_user_id
    [user] = records("zendesk_users")
    assert user["zendesk_id"] == person
    assert user["withheld_comments"] >= 1  # the agent's internal note on their ticket, at least
    theirs = {t.id for t in store.tickets.values() if t.requester_id == person}
    # the tickets they requested, and none that others did
    assert {t["zendesk_id"] for t in records("zendesk_tickets")} == theirs
    comments = records("zendesk_comments")
    own = [c for c in comments if c["written_by_you"]]
    others = [c for c in comments if not c["written_by_you"]]
    assert {c["zendesk_id"] for c in own} == {c.id for c in store.comments.values() if c.author_id == person}
    assert all(c["author_zendesk_id"] == person for c in own)
    # what others wrote to them: public comments on their own tickets, each with its author masked
    assert others
    assert all(c["author_zendesk_id"] is None and c["on_your_ticket"] and c["public"] for c in others)
    assert all(c["ticket_zendesk_id"] in theirs for c in others)


def test_a_customer_who_names_no_business_is_routed_to_the_one_whose_customer_they_are(business: Business) -> None:
    """A request from someone who named no business reaches the business that holds them, which decides it."""
    seeded = business.seeded
    created = new_request(seeded.client, business.officer, None, seeded.email, "deletion")
    waiting = business.wait(created["id"], "awaiting_approval", "completed", "refused")
    assert waiting["status"] == "awaiting_approval"
    assert waiting["tenant_id"] == str(seeded.tenant_id)
    seen = seeded.client.get(f"/api/v1/privacy-requests/{created['id']}", headers=auth(business.admin))
    assert seen.status_code == 200
    assert business.decide(created["id"], {"approve": True, "instruction": "redact"}) == 200
    done = business.wait(created["id"], "completed", "refused")
    assert done["status"] == "completed"


def test_the_customer_of_two_businesses_gets_a_request_for_each_which_each_decides_alone(business: Business) -> None:
    """Named no business, held by two: each gets its own request, sees only its own, and decides it alone."""
    seeded = business.seeded
    other = connect(seeded.client, seeded.runtime, seeded.sandbox)  # a second business, the same person a customer
    sync_now(other)
    created = new_request(seeded.client, business.officer, None, seeded.email, "access")

    # the first request keeps the platform's own data (Omni Wise is the controller) and goes ahead at once
    done = business.wait(created["id"], "completed", "refused")
    assert done["status"] == "completed"
    assert done["needs_approval"] is False
    assert {h["role"] for h in done["holdings"]} == {"controller"}
    passed = [line for line in done["report"] if line["action"] == "passed_on"]
    with seeded.runtime.transaction() as session:
        parts = list(
            session.scalars(select(PrivacyRequest).where(PrivacyRequest.split_from_id == uuid.UUID(created["id"])))
        )
        session.expunge_all()
    assert {p.tenant_id for p in parts} == {seeded.tenant_id, uuid.UUID(other.tenant_id)}
    assert {line["where"].rpartition("request ")[2] for line in passed} == {p.reference for p in parts}
    assert all(p.due_at == parts[0].due_at and p.law == "gdpr" for p in parts)

    mine = next(p for p in parts if p.tenant_id == seeded.tenant_id)
    theirs = next(p for p in parts if p.tenant_id != seeded.tenant_id)
    for part in parts:
        waiting = business.wait(str(part.id), "awaiting_approval", "completed", "refused")
        assert waiting["status"] == "awaiting_approval"
        assert {(h["contribution"], h["role"]) for h in waiting["holdings"]} == {("zendesk", "processor")}
    # each business sees its own request only, and nothing of the other's or of the first
    read = seeded.client.get
    assert read(f"/api/v1/privacy-requests/{mine.id}", headers=auth(business.admin)).status_code == 200
    assert read(f"/api/v1/privacy-requests/{theirs.id}", headers=auth(business.admin)).status_code == 404
    assert read(f"/api/v1/privacy-requests/{created['id']}", headers=auth(business.admin)).status_code == 404
    assert business.decide(str(theirs.id), {"approve": True}) == 404

    assert business.decide(str(mine.id), {"approve": True}) == 200
    finished = business.wait(str(mine.id), "completed", "refused")
    assert finished["status"] == "completed"
    export = read(f"/api/v1/privacy-requests/{mine.id}/export", headers=auth(business.officer))
    assert "zendesk_users.json" in zipfile.ZipFile(io.BytesIO(export.content)).namelist()
    assert business.wait(str(theirs.id), "awaiting_approval")["status"] == "awaiting_approval"  # theirs to decide
