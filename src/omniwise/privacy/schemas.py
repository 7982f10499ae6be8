"""Bodies of the privacy-request API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from omniwise.privacy.contract import ZendeskInstruction


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PublicRequestCreate(_Body):
    type: str = Field(max_length=32)
    email: str = Field(max_length=320)
    jurisdiction: str | None = Field(default=None, max_length=8)
    tenant_id: uuid.UUID | None = None
    changes: dict[str, str] | None = None


class Subject(_Body):
    email: str = Field(max_length=320)


class RequestCreate(_Body):
    type: str = Field(max_length=32)
    tenant_id: uuid.UUID | None = None
    subject: Subject
    jurisdiction: str | None = Field(default=None, max_length=8)
    verification: str | None = Field(default=None, max_length=200)
    changes: dict[str, str] | None = None


class VerifyBody(_Body):
    token: str = Field(max_length=200)


class Verified(BaseModel):
    id: uuid.UUID
    reference: str
    status: str
    status_token: str


class Accepted(BaseModel):
    status: str = "accepted"
    detail: str = "If the address is confirmed, the request goes ahead; we have written to it."


class StepRead(BaseModel):
    name: str
    contribution: str | None
    status: str
    attempts: int
    finished_at: datetime | None


class HoldingSummary(BaseModel):
    contribution: str
    category: str
    role: str
    records: int
    description: str


class RequestRead(BaseModel):
    id: uuid.UUID
    reference: str
    type: str
    status: str
    channel: str
    tenant_id: uuid.UUID | None
    law: str
    received_at: datetime
    acknowledged_at: datetime | None
    verified_at: datetime | None
    verification: str | None
    due_at: datetime
    extended_to: datetime | None
    overdue: bool
    needs_approval: bool
    decision: str | None
    instruction: str | None
    refusal_reason: str | None
    completed_at: datetime | None
    # opened for one business from a request that named none (the customer of several businesses)
    split_from_id: uuid.UUID | None = None
    steps: list[StepRead] = []
    holdings: list[HoldingSummary] = []
    report: list[dict[str, Any]] = []


class RequestList(BaseModel):
    items: list[RequestRead]


class DecisionBody(_Body):
    approve: bool
    instruction: ZendeskInstruction | None = None
    reason: str | None = Field(default=None, max_length=500)


class ReasonBody(_Body):
    reason: str = Field(max_length=500)


class ExportLink(BaseModel):
    path: str
    url: str


class StatusView(BaseModel):
    reference: str
    type: str
    status: str
    received_at: datetime
    due_at: datetime
    extended_to: datetime | None
    completed_at: datetime | None
    refusal_reason: str | None
