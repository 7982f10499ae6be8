"""A data subject row: an id that personal rows point at, and nothing personal itself."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from omniwise.kit.db import Base, TimestampedMixin, UTCDateTime


class DataSubject(TimestampedMixin, Base):
    """Rows holding a person's data reference this with `subject_id`; erasure follows them."""

    __tablename__ = "data_subjects"

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
