"""What creating an account takes, and what is shown about one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from omniwise.auth.roles import Role
from omniwise.contacts.schemas import Email

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    role: Role
    tenant_id: uuid.UUID | None = None
    name: Name | None = None


@dataclass(frozen=True)
class UserView:
    """An account as the console and the command line show it."""

    id: uuid.UUID
    email: str
    name: str | None
    role: Role
    tenant_id: uuid.UUID | None
    second_factor: bool
    disabled: bool
    locked_until: datetime | None
    created_at: datetime

    @property
    def display_name(self) -> str:
        return self.name or self.email


class UserCorrection(BaseModel):
    """A correction of an account's name or sign-in address; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    email: Email | None = None
