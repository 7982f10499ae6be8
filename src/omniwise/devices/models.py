"""Device sightings: which device and network an actor used on a day, with the parsed, non-identifying families."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omniwise.kit.clock import utcnow
from omniwise.kit.db import Base, UTCDateTime

DEVICE = {"personal": True, "category": "device_network_data"}
# read as it is to spot abuse, and truncated by the retention sweep once the policy's period ends
DEVICE_PLAINTEXT = {**DEVICE, "form": "plaintext"}


class DeviceSighting(Base):
    """One actor, one IP address, one user agent, one day: a row, counted up by each request.

    The full address and user agent are kept for the policy period (security: which
    device reached an account); the sweep then drops them, with the actor id, leaving the
    network (/24 or /48) and the browser, OS and device families, which point to no one.
    """

    __tablename__ = "device_sightings"
    __table_args__ = (
        UniqueConstraint("day", "actor_id", "ip_address", "user_agent"),
        Index("ix_device_sightings_tenant_id_day", "tenant_id", "day"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    actor_id: Mapped[str | None] = mapped_column(String(64), info=DEVICE)
    ip_address: Mapped[str | None] = mapped_column(String(45), info=DEVICE_PLAINTEXT)
    # the address truncated to /24 (IPv4) or /48 (IPv6): a network, shared by many, not a device
    ip_network: Mapped[str] = mapped_column(String(49), info={"personal": False})
    user_agent: Mapped[str | None] = mapped_column(String(512), info=DEVICE_PLAINTEXT)
    browser_family: Mapped[str] = mapped_column(String(64))
    os_family: Mapped[str] = mapped_column(String(64))
    device_family: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    requests: Mapped[int] = mapped_column(Integer, default=1)
