"""Privacy requests, the steps of their workflow, and the one-time tokens that verify and deliver them.

The requester's address is the only personal value kept here, sealed under a platform key
(the request may concern no business yet) and cleared once the request is closed and its
last message sent; the keyed hash of the address stays, to merge duplicates and to answer
"have we a request from this address" without reading it. What is kept afterwards is the
record that a request was made and answered (category `privacy_records`, three years).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from omniwise.kit.clock import utcnow
from omniwise.kit.db import Base, UTCDateTime

# sealed under a platform key while the request is open, cleared when it closes
TRANSIENT = {"personal": True, "category": "privacy_records", "form": "transient"}
KEYED_HASH = {"personal": True, "category": "privacy_records"}


class RequestStatus(StrEnum):
    RECEIVED = "received"
    VERIFYING = "verifying"
    AWAITING_APPROVAL = "awaiting_approval"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REFUSED = "refused"


OPEN_STATUSES = (
    RequestStatus.RECEIVED,
    RequestStatus.VERIFYING,
    RequestStatus.AWAITING_APPROVAL,
    RequestStatus.IN_PROGRESS,
)
CLOSED_STATUSES = (RequestStatus.COMPLETED, RequestStatus.REFUSED)


class StepStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


class PrivacyRequest(Base):
    __tablename__ = "privacy_requests"
    __table_args__ = (
        CheckConstraint(
            "status IN ('received', 'verifying', 'awaiting_approval', 'in_progress', 'completed', 'refused')",
            name="status",
        ),
        CheckConstraint("type IN ('access', 'portability', 'correction', 'deletion', 'opt_out')", name="type"),
        CheckConstraint("law IN ('gdpr', 'ccpa', 'kvkk')", name="law"),
        Index("ix_privacy_requests_email_hmac_type", "email_hmac", "type"),
        Index("ix_privacy_requests_status_due_at", "status", "due_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(24))
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenants.id", ondelete="SET NULL"), index=True)
    law: Mapped[str] = mapped_column(String(8))
    email_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info=TRANSIENT)
    email_hmac: Mapped[str] = mapped_column(String(64), info=KEYED_HASH)
    submitted_by: Mapped[str] = mapped_column(String(120))  # the actor: "user:<id>", "api_key:<id>", "public"
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledge_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verification: Mapped[str | None] = mapped_column(String(200))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    extended_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    extension_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    extension_reason: Mapped[str | None] = mapped_column(String(500))
    needs_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decision: Mapped[str | None] = mapped_column(String(16))  # approved | refused
    instruction: Mapped[str | None] = mapped_column(String(24))  # ZendeskInstruction
    decision_reason: Mapped[str | None] = mapped_column(String(500))
    refusal_reason: Mapped[str | None] = mapped_column(String(500))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("privacy_requests.id", ondelete="SET NULL"))
    # a request naming no business, from the customer of several, passes each its own part: this one's
    split_from_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("privacy_requests.id", ondelete="SET NULL"), index=True
    )
    holdings: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    report: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    corrections_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info=TRANSIENT)
    status_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    zendesk_connection_id: Mapped[uuid.UUID | None] = mapped_column()
    zendesk_user_id: Mapped[int | None] = mapped_column(BigInteger)
    last_raised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def deadline(self) -> datetime:
        """The date the answer is owed: the extended date once an extension was notified."""
        return self.extended_to or self.due_at


class PrivacyRequestStep(Base):
    """One step of a request's workflow; `error` holds a type and place, never a value."""

    __tablename__ = "privacy_request_steps"
    __table_args__ = (
        UniqueConstraint("request_id", "position"),
        CheckConstraint("status IN ('pending', 'running', 'done', 'failed', 'skipped')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("privacy_requests.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(24), info={"personal": False})  # the step's name, e.g. "erase"
    contribution: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=StepStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    job_id: Mapped[uuid.UUID | None] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(500))


class TokenPurpose(StrEnum):
    VERIFY = "verify"
    EXPORT = "export"


class PrivacyRequestToken(Base):
    """A one-time token: a verification link (24 hours) or an export download (7 days). Only its hash is kept."""

    __tablename__ = "privacy_request_tokens"
    __table_args__ = (CheckConstraint("purpose IN ('verify', 'export')", name="purpose"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("privacy_requests.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
