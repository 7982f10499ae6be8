"""Response and request bodies for notice versions, their differences and acceptances."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from omniwise.policy.diff import Change
from omniwise.policy.models import PolicyVersion


class ChangeRead(BaseModel):
    kind: str
    path: str
    summary: str
    significant: bool

    @classmethod
    def of(cls, change: Change) -> ChangeRead:
        return cls(**change.to_json())


class VersionRead(BaseModel):
    version: int
    sha256: str
    published_at: datetime
    significant: bool
    changes: int = Field(description="How many changes this version made to the one before")
    notified: int = Field(description="How many contacts were sent the notice-change message")
    url: str = Field(description="The notice as this version says it")

    @classmethod
    def of(cls, row: PolicyVersion) -> VersionRead:
        return cls(
            version=row.version,
            sha256=row.sha256,
            published_at=row.published_at,
            significant=row.significant,
            changes=len(row.changes),
            notified=row.notified,
            url=f"/privacy/notice/versions/{row.version}",
        )


class VersionList(BaseModel):
    current_version: int | None
    items: list[VersionRead]


class DiffRead(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_version: int = Field(serialization_alias="from")
    to_version: int = Field(serialization_alias="to")
    significant: bool
    changes: list[ChangeRead]


class AcceptanceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(
        default=None, ge=1, description="The version read; refused if it is not the current one"
    )


class AcceptanceRead(BaseModel):
    id: uuid.UUID
    version: int
    tenant_id: uuid.UUID
    actor_type: str
    actor_id: str | None
    accepted_at: datetime


class AcceptanceList(BaseModel):
    current_version: int | None
    accepted_current: bool
    items: list[AcceptanceRead]
