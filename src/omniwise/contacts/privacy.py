"""What the contacts domain contributes to privacy requests (Omni Wise is the controller).

A contact is found by the blind index on their email and confirmed by decrypting it;
their export is one record per business that holds them; erasure is crypto-shredding
(`subjects.service.erase_subject`: key destroyed first, then every row that points at
them, blind indexes included); a correction goes through `contacts.service.update_contact`,
validated as the contacts API validates it. When the contact is also the business's
billing contact, the billing contribution corrects and pushes the same change to Stripe.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.contacts import repository, service
from omniwise.contacts.schemas import ContactRead, ContactUpdate
from omniwise.errors import NotFound
from omniwise.policy.binding import policy_for
from omniwise.policy.enforcement import require_purpose
from omniwise.policy.purposes import Purpose
from omniwise.privacy.contract import (
    ExportSection,
    Holding,
    Outcome,
    StepContext,
    SubjectRole,
    checked_changes,
    contribution,
    iso,
    record_schema,
)
from omniwise.tenants.models import Tenant

NAME = "contacts"
WHERE = "platform database"
KEY_STORE = "key store (the person's own key)"
LABELS = {"name": "Name", "email": "Email address", "phone": "Phone number", "job_title": "Job title"}
OPTIONAL = ("phone", "job_title")

SCHEMA = record_schema(
    "A contact of a business",
    {
        "contact_id": ("string", False),
        "tenant_id": ("string", False),
        "name": ("string", False),
        "email": ("string", False),
        "phone": ("string", True),
        "job_title": ("string", True),
        "created_at": ("string", False),
        "modified_at": ("string", True),
    },
)


def _tenant(session: Session, tenant_id: uuid.UUID | None) -> Tenant:
    tenant = session.get(Tenant, tenant_id) if tenant_id is not None else None
    if tenant is None:
        raise NotFound(f"tenant {tenant_id} does not exist")
    return tenant


def _record(read: ContactRead) -> dict[str, Any]:
    return {
        "contact_id": str(read.id),
        "tenant_id": str(read.tenant_id),
        "name": read.name,
        "email": read.email,
        "phone": read.phone,
        "job_title": read.job_title,
        "created_at": iso(read.created_at),
        "modified_at": iso(read.modified_at),
    }


def validated_changes(changes: Mapping[str, str], labels: Mapping[str, str]) -> ContactUpdate:
    """The requested changes this domain holds, validated by the contacts API's own schema.

    An empty value removes an optional field (phone, job title); a bad value is a 422
    naming the field, never echoing the value.
    """
    wanted: dict[str, str | None] = {
        key: (None if key in OPTIONAL and not value.strip() else value)
        for key, value in changes.items()
        if key in labels
    }
    return checked_changes(ContactUpdate, wanted)


@contribution
class ContactsContribution:
    """A business's contacts: name, email, phone and job title, sealed under each person's key."""

    name = NAME

    def locate(self, ctx: StepContext, *, email: str, tenant_id: uuid.UUID | None) -> list[Holding]:
        tenants = [tenant_id] if tenant_id is not None else repository.tenants_with_contacts(ctx.session)
        holdings = []
        for tenant in tenants:
            require_purpose(
                ctx.session,
                policy_for(ctx.session),
                category=service.CATEGORY,
                purpose=ctx.purpose,
                actor=ctx.actor,
                tenant_id=tenant,
            )
            for contact in service.find_by_email(ctx.session, ctx.runtime.keyring, tenant_id=tenant, email=email):
                holdings.append(
                    Holding(
                        contribution=NAME,
                        category=service.CATEGORY,
                        role=SubjectRole.CONTROLLER,
                        tenant_id=tenant,
                        subject_id=contact.subject_id,
                        key=str(contact.id),
                        records=1,
                        description=f"contact {contact.id} of tenant {tenant}",
                    )
                )
        return holdings

    def export(self, ctx: StepContext, holdings: list[Holding]) -> Iterator[ExportSection]:
        if not holdings:
            return
        yield ExportSection(
            name="contacts",
            category=service.CATEGORY,
            title="Your contact details, as each business holds them",
            schema=SCHEMA,
            records=[_record(read) for read in self._read(ctx, holdings)],
        )

    def _read(self, ctx: StepContext, holdings: list[Holding]) -> Iterator[ContactRead]:
        for holding in holdings:
            tenant = _tenant(ctx.session, holding.tenant_id)
            contact_id = uuid.UUID(holding.key)
            if repository.get(ctx.session, tenant_id=tenant.id, contact_id=contact_id) is None:
                continue  # erased since it was found
            yield service.read_contact(
                ctx.session,
                ctx.runtime.keyring,
                actor=ctx.actor,
                tenant=tenant,
                contact_id=contact_id,
                purpose=Purpose.PRIVACY_REQUESTS,
            )

    def erase(self, ctx: StepContext, holdings: list[Holding]) -> list[Outcome]:
        rows = keys = 0
        for holding in holdings:
            tenant = _tenant(ctx.session, holding.tenant_id)
            contact_id = uuid.UUID(holding.key)
            if repository.get(ctx.session, tenant_id=tenant.id, contact_id=contact_id) is None:
                continue  # a run before this one erased them: nothing left to count
            report = service.delete_contact(
                ctx.session,
                ctx.runtime.keyring,
                actor=ctx.actor,
                tenant=tenant,
                contact_id=contact_id,
                purpose=Purpose.PRIVACY_REQUESTS,
            )
            rows += sum(report.rows_deleted.values())
            keys += int(report.key_destroyed)
            _audit(ctx, holding, "erased", rows_deleted=report.rows_deleted, key_destroyed=report.key_destroyed)
        if not holdings:
            return []
        return [
            Outcome(NAME, service.CATEGORY, "deleted", KEY_STORE, keys),
            Outcome(NAME, service.CATEGORY, "deleted", WHERE, rows),
        ]

    def correctable(self) -> Mapping[str, str]:
        return LABELS

    def check_changes(self, changes: Mapping[str, str]) -> None:
        validated_changes(changes, LABELS)

    def correct(self, ctx: StepContext, holdings: list[Holding]) -> list[Outcome]:
        data = validated_changes(ctx.changes, LABELS)
        if not holdings or not data.model_fields_set:
            return []
        corrected = 0
        for holding in holdings:
            tenant = _tenant(ctx.session, holding.tenant_id)
            contact_id = uuid.UUID(holding.key)
            if repository.get(ctx.session, tenant_id=tenant.id, contact_id=contact_id) is None:
                continue
            service.update_contact(
                ctx.session,
                ctx.runtime.keyring,
                actor=ctx.actor,
                tenant=tenant,
                contact_id=contact_id,
                data=data,
                purpose=Purpose.PRIVACY_REQUESTS,
            )
            corrected += 1
        return [Outcome(NAME, service.CATEGORY, "corrected", WHERE, corrected)]

    def opt_out(self, ctx: StepContext, holdings: list[Holding], *, email: str) -> list[Outcome]:
        return []  # promotional messages are the messaging contribution's


def _audit(ctx: StepContext, holding: Holding, action: str, **details: object) -> None:
    record(
        ctx.session,
        AuditEntry(
            name=f"privacy:contact:{action}",
            actor_type=ctx.actor.kind,
            actor_id=ctx.actor.id,
            tenant_id=holding.tenant_id,
            purpose=ctx.purpose,
            object_type="contact",
            object_id=holding.key,
            subject_id=holding.subject_id,
            details={"request_id": str(ctx.request_id), **details},
        ),
    )
