"""Response bodies for a business's choices about sharing with partners, and for disclosure records."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from omniwise.disclosures.records import DisclosureRow
from omniwise.disclosures.service import SharingChoice


class SharingRead(BaseModel):
    recipient_id: str
    name: str
    service: str
    categories: list[str]
    opted_in: bool
    opted_in_at: datetime | None

    @classmethod
    def of(cls, choice: SharingChoice) -> SharingRead:
        recipient, row = choice.recipient, choice.opt_in
        return cls(
            recipient_id=recipient.id,
            name=recipient.name,
            service=recipient.service,
            categories=list(recipient.categories),
            opted_in=row is not None,
            opted_in_at=row.opted_in_at if row is not None else None,
        )


class SharingList(BaseModel):
    items: list[SharingRead]


class DisclosureRead(BaseModel):
    """One send of personal data to a recipient: ids and categories, never the data itself."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    tenant_name: str
    subject_id: uuid.UUID | None
    recipient_id: str
    categories: list[str]
    purpose: str
    legal_basis: str
    region: str
    transfer_mechanism: str
    transfer_id: str | None
    reference: str | None
    actor_type: str
    actor_id: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: DisclosureRow) -> DisclosureRead:
        record = row.disclosure
        return cls(
            id=record.id,
            tenant_id=record.tenant_id,
            tenant_name=row.tenant_name,
            subject_id=record.subject_id,
            recipient_id=record.recipient_id,
            categories=list(record.categories),
            purpose=record.purpose,
            legal_basis=record.legal_basis,
            region=record.region,
            transfer_mechanism=record.transfer_mechanism,
            transfer_id=record.transfer_id,
            reference=record.reference,
            actor_type=record.actor_type,
            actor_id=record.actor_id,
            created_at=record.created_at,
        )


class DisclosureList(BaseModel):
    items: list[DisclosureRead]
    next_cursor: str | None
