"""Request and response bodies for tenants."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)]


class Region(StrEnum):
    """Where a tenant's data is held: European Union, United States or Türkiye."""

    EU = "eu"
    US = "us"
    TR = "tr"


class TenantCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    address: Text | None = None
    industry: Short | None = None
    organisation: dict[Short, Short] = Field(default_factory=dict, max_length=50)
    region: Region


class TenantUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    address: Text | None = None
    industry: Short | None = None
    organisation: dict[Short, Short] | None = Field(default=None, max_length=50)


class TenantRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    address: str | None
    industry: str | None
    organisation: dict[str, str]
    region: Region
    status: str
    closed_at: datetime | None
    created_at: datetime
    modified_at: datetime | None


class TenantList(BaseModel):
    items: list[TenantRead]
    next_cursor: str | None
