"""Published versions of the privacy policy, and who accepted which version."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from omniwise.kit.clock import utcnow
from omniwise.kit.db import Base, UTCDateTime


class PolicyVersion(Base):
    """One published version: its canonical content, its hash, and how it differs from the last."""

    __tablename__ = "policy_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by_type: Mapped[str] = mapped_column(String(32))
    published_by_id: Mapped[str | None] = mapped_column(String(64))
    significant: Mapped[bool] = mapped_column(Boolean, default=False)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    notified: Mapped[int] = mapped_column(Integer, default=0)


class NoticeAcceptance(Base):
    """A version accepted by a person (a data subject) or by an authenticated caller for a business."""

    __tablename__ = "notice_acceptances"
    __table_args__ = (Index("ix_notice_acceptances_tenant_id_version", "tenant_id", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    version: Mapped[int] = mapped_column(ForeignKey("policy_versions.version"), index=True)
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    subject_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("data_subjects.id", ondelete="CASCADE"), index=True)
    actor_type: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
