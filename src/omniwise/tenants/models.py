"""A tenant is a business; its details are business data, not a person's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from omniwise.kit.db import Base, TimestampedMixin, UTCDateTime


class Tenant(TimestampedMixin, Base):
    __tablename__ = "tenants"

    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    industry: Mapped[str | None] = mapped_column(String(120))
    organisation: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    region: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active, closed, erased
    # when the business closed its account; NULL while it is open. Retention periods that run
    # "after the account is closed" count from here.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
