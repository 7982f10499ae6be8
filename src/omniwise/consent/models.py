"""Consent records: each choice a browser made about cookies, with the proof of it."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from omniwise.kit.clock import utcnow
from omniwise.kit.db import Base, UTCDateTime

COOKIES = {"personal": True, "category": "cookies"}


class ConsentRecord(Base):
    """One choice, appended and never changed: a later choice is a later row.

    `consent_id` is the random id the banner keeps in the browser's `ow_consent` cookie;
    `ip_hmac` is a keyed hash of the address the choice came from, which proves the
    origin of a record without keeping the address. Both go with the record when its
    retention period ends.
    """

    __tablename__ = "consent_records"
    __table_args__ = (Index("ix_consent_records_consent_id_recorded_at", "consent_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    consent_id: Mapped[uuid.UUID | None] = mapped_column(info=COOKIES)
    choices: Mapped[dict[str, bool]] = mapped_column(JSON)
    gpc: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16))  # banner, preferences, gpc, api
    notice_sha256: Mapped[str] = mapped_column(String(64))
    notice_version: Mapped[int | None] = mapped_column(Integer)
    cookies_sha256: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str | None] = mapped_column(String(200))  # the site that showed the banner (scheme://host)
    ip_hmac: Mapped[str | None] = mapped_column(String(64), info=COOKIES)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
