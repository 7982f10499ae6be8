"""Tenants, contacts and messages made through the real services, for the messaging tests."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from omniwise.auth.actor import SYSTEM
from omniwise.contacts import service as contacts
from omniwise.contacts.models import Contact
from omniwise.contacts.schemas import ContactCreate
from omniwise.messaging.delivery import deliver
from omniwise.messaging.models import MessageStatus, OutboxMessage
from omniwise.messaging.service import NewMessage, enqueue
from omniwise.messaging.transport import Mailer
from omniwise.runtime import Runtime
from omniwise.tenants import service as tenants
from omniwise.tenants.models import Tenant
from omniwise.tenants.schemas import Region, TenantCreate

NOTICE_PARAMS: dict[str, Any] = {"version": 3, "previous_version": 2, "changes": ["Information kept longer"]}
NEWS_PARAMS: dict[str, Any] = {
    "headline": "Omni Messenger now speaks WhatsApp",
    "summary": "Answer WhatsApp conversations from the Zendesk ticket view.",
    "link": "https://omniwise.com/news/whatsapp",
}


@dataclass(frozen=True)
class Person:
    tenant_id: uuid.UUID
    contact_id: uuid.UUID
    subject_id: uuid.UUID


def make_contact(runtime: Runtime, *, email: str, name: str = "Ada Lovelace", region: str = "eu") -> Person:
    with runtime.transaction() as session:
        tenant = tenants.create_tenant(
            session, runtime.keyring, actor=SYSTEM, data=TenantCreate(name="Acme Ltd", region=Region(region))
        )
        read = contacts.create_contact(
            session, runtime.keyring, actor=SYSTEM, tenant=tenant, data=ContactCreate(name=name, email=email)
        )
        subject_id = session.scalar(select(Contact.subject_id).where(Contact.id == read.id))
        assert subject_id is not None
        return Person(tenant.id, read.id, subject_id)


def queue(
    runtime: Runtime, person: Person, template: str, params: Mapping[str, Any], key: str | None = None
) -> uuid.UUID:
    message = NewMessage(
        tenant_id=person.tenant_id,
        subject_id=person.subject_id,
        recipient_type="contact",
        recipient_id=person.contact_id,
        dedupe_key=key or f"{template}:{uuid.uuid4()}",
        params=params,
    )
    with runtime.transaction() as session:
        return enqueue(session, runtime.policy, template=template, message=message, actor=SYSTEM).id


def deliver_now(runtime: Runtime, message_id: uuid.UUID, mailer: Mailer | None) -> MessageStatus | None:
    with runtime.transaction() as session:
        return deliver(session, runtime, message_id=message_id, mailer=mailer)


def load(runtime: Runtime, message_id: uuid.UUID) -> OutboxMessage:
    with runtime.transaction() as session:
        message = session.get(OutboxMessage, message_id)
        assert message is not None
        return message


def tenant_of(runtime: Runtime, person: Person) -> Tenant:
    with runtime.transaction() as session:
        tenant = session.get(Tenant, person.tenant_id)
        assert tenant is not None
        return tenant
