"""Usage events (who by id, which feature, when, outcome) and the per-tenant daily rollups made from them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from omniwise.kit.clock import utcnow
from omniwise.kit.db import Base, UTCDateTime

# events are many and short-lived: an ordered integer key keeps inserts cheap and lets the
# retention sweep walk them in key order, batch after batch
EventId = BigInteger().with_variant(Integer, "sqlite")


class UsageEvent(Base):
    """One use of a feature: a request to a route of the platform's API, or an action in one of its apps.

    The actor is an id (an API key's, a user's), never a name; after the retention period
    the id is dropped and the event counts towards totals only.
    """

    __tablename__ = "usage_events"

    id: Mapped[int] = mapped_column(EventId, primary_key=True, autoincrement=True)
    # indexed for the foreign key's cascade only; reads go through the rollups (each index is one
    # more write per event recorded and per event anonymised)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    actor_type: Mapped[str | None] = mapped_column(String(32))
    actor_id: Mapped[str | None] = mapped_column(String(64), info={"personal": True, "category": "usage_information"})
    feature: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(8))  # the status class: 2xx, 3xx, 4xx, 5xx
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class UsageDaily(Base):
    """How often a tenant used each feature on one day: counts only, nothing that points to a person."""

    __tablename__ = "usage_daily"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    feature: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    errors: Mapped[int] = mapped_column(Integer)
    rolled_up_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
