"""Response bodies for a tenant's usage rollups."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict


class DailyUsage(BaseModel):
    """How often the tenant used one feature on one day; `errors` counts the uses that failed (4xx, 5xx)."""

    model_config = ConfigDict(from_attributes=True)

    day: date
    feature: str
    count: int
    errors: int


class DailyUsageList(BaseModel):
    since: date
    until: date
    items: list[DailyUsage]
