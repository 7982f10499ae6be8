"""Request and response bodies for cookie consent."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class ConsentSource(StrEnum):
    BANNER = "banner"
    PREFERENCES = "preferences"
    GPC = "gpc"
    API = "api"


class ConsentChoice(BaseModel):
    """A choice per cookie group that needs consent; a group left out is refused."""

    model_config = ConfigDict(extra="forbid")

    consent_id: uuid.UUID | None = Field(default=None, description="The id from an earlier answer, if any")
    choices: Annotated[dict[str, bool], Field(max_length=20)]
    source: ConsentSource = ConsentSource.API


class ConsentState(BaseModel):
    """The choice in force for a browser, with what it was given against."""

    consent_id: uuid.UUID | None
    choices: dict[str, bool]
    gpc: bool
    source: str | None
    recorded_at: datetime | None
    notice_sha256: str | None
    notice_version: int | None
    cookies_sha256: str | None
    # False when the cookie list changed since the choice was made: the banner asks again
    current: bool
