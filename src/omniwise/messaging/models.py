"""The outbox of messages waiting to be sent, and the suppression list of addresses that opted out."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from omniwise.kit.clock import utcnow
from omniwise.kit.db import Base, UTCDateTime


class MessageKind(StrEnum):
    TRANSACTIONAL = "transactional"
    PROMOTIONAL = "promotional"


class MessageStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    SUPPRESSED = "suppressed"  # promotional, to an address on the suppression list
    REFUSED = "refused"  # the policy or the disclosure gate does not allow it
    FAILED = "failed"  # the recipient is gone, or the mail server refused it for good


class OutboxMessage(Base):
    """One message to one person: ids, a template and its parameters, never an address.

    The address is read (decrypted) only when the message is sent. The foreign key to the
    data subject means erasing the person also drops the messages queued for them.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("kind IN ('transactional', 'promotional')", name="kind"),
        CheckConstraint("status IN ('queued', 'sent', 'suppressed', 'refused', 'failed')", name="status"),
        Index("ix_outbox_messages_status_created_at", "status", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # both empty for a platform message (to a privacy request's requester, or to staff)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("data_subjects.id", ondelete="CASCADE"), index=True)
    recipient_type: Mapped[str] = mapped_column(String(32))
    recipient_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(16))
    template: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    purpose: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(64))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Suppression(Base):
    """An address that must get no promotional message, known only by a keyed hash.

    No link to the person on purpose: the opt-out has to outlive their erasure, or erasing
    someone would put them back on the mailing list. The hash identifies no one without
    the platform's secret, and is the least that lets the opt-out be honoured.
    """

    __tablename__ = "suppressions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    address_hmac: Mapped[str] = mapped_column(String(64), unique=True)
    reason: Mapped[str] = mapped_column(String(32))
    source_message_id: Mapped[uuid.UUID | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
