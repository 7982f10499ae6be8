"""Records of every disclosure of personal data to a recipient, and tenants' partner-sharing opt-ins."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from omniwise.kit.clock import utcnow
from omniwise.kit.db import Base, UTCDateTime


class Disclosure(Base):
    """Who received which categories, why, when, and under which transfer safeguard.

    `subject_id` has no foreign key on purpose: erasing a person must not erase the record
    that their data went to a recipient, since the recipient has to be told of the erasure.
    """

    __tablename__ = "disclosures"
    __table_args__ = (Index("ix_disclosures_tenant_id_created_at", "tenant_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    subject_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    recipient_id: Mapped[str] = mapped_column(String(64), index=True)
    categories: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(String(64))
    legal_basis: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(8))
    transfer_mechanism: Mapped[str] = mapped_column(String(32))
    transfer_id: Mapped[str | None] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(200))
    actor_type: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    policy_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SharingOptIn(Base):
    """A tenant's opt-in to sharing with one partner; withdrawal closes the row, history stays."""

    __tablename__ = "sharing_opt_ins"
    __table_args__ = (
        Index("ix_sharing_opt_ins_tenant_id_recipient_id", "tenant_id", "recipient_id"),
        # at most one standing opt-in per partner; withdrawn ones stay as history
        Index(
            "uq_sharing_opt_ins_active",
            "tenant_id",
            "recipient_id",
            unique=True,
            sqlite_where=text("withdrawn_at IS NULL"),
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    recipient_id: Mapped[str] = mapped_column(String(64))
    opted_in_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opted_in_by_type: Mapped[str] = mapped_column(String(32))
    opted_in_by_id: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_type: Mapped[str | None] = mapped_column(String(32))
    withdrawn_by_id: Mapped[str | None] = mapped_column(String(64))
