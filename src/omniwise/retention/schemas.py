"""Request and response bodies for legal holds and retention runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints, model_validator

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)]


class HoldScope(StrEnum):
    TENANT = "tenant"
    SUBJECT = "subject"
    CATEGORY = "category"


class HoldCreate(BaseModel):
    """A hold names exactly one of a tenant, a person (data subject) or a policy category."""

    model_config = ConfigDict(extra="forbid")

    scope: HoldScope
    tenant_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None
    category: str | None = None
    reason: Reason
    ends_at: AwareDatetime

    @model_validator(mode="after")
    def _one_target(self) -> HoldCreate:
        wanted = {"tenant": "tenant_id", "subject": "subject_id", "category": "category"}[self.scope.value]
        for name in ("tenant_id", "subject_id", "category"):
            given = getattr(self, name) is not None
            if name == wanted and not given:
                raise ValueError(f"{name}: a {self.scope.value} hold names its {name}")
            if name != wanted and given:
                raise ValueError(f"{name}: a {self.scope.value} hold names only its {wanted}")
        return self


class HoldRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    scope: HoldScope
    tenant_id: uuid.UUID | None
    subject_id: uuid.UUID | None
    category: str | None
    reason: str
    set_by_type: str
    set_by_id: str | None
    created_at: datetime
    ends_at: datetime
    released_at: datetime | None
    released_by_id: str | None
    active: bool


class HoldList(BaseModel):
    items: list[HoldRead]


class HeldRows(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    hold_id: uuid.UUID
    rows: int


class RunCategoryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    category: str
    exception: str | None
    sweeper: str | None
    period: str
    trigger: str
    action: str
    cutoff: datetime | None
    candidates: int
    deleted: int
    anonymised: int
    skipped_by_hold: int
    errors: int
    note: str | None
    holds: list[HeldRows]


class RunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    dry_run: bool
    status: str
    started_by: str
    actor_type: str
    actor_id: str | None
    policy_sha256: str
    as_of: datetime
    started_at: datetime
    finished_at: datetime | None
    error: str | None
    categories: list[RunCategoryRead]


class RunList(BaseModel):
    items: list[RunRead]
    # started_at of the last item: pass it as `before` for the next page
    next_before: datetime | None
