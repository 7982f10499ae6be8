"""A contact row holds only ciphertext and blind indexes for its personal fields."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from omniwise.kit.db import Base, TimestampedMixin


def personal(category: str) -> dict[str, object]:
    """Column info marking a personal field and the policy category it belongs to."""
    return {"personal": True, "category": category}


class Contact(TimestampedMixin, Base):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_tenant_email_bidx", "tenant_id", "email_bidx"),
        Index("ix_contacts_tenant_phone_bidx", "tenant_id", "phone_bidx"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("data_subjects.id", ondelete="CASCADE"), index=True)
    name_ct: Mapped[bytes] = mapped_column(LargeBinary, info=personal("contact_information"))
    email_ct: Mapped[bytes] = mapped_column(LargeBinary, info=personal("contact_information"))
    phone_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info=personal("contact_information"))
    job_title_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info=personal("contact_information"))
    email_bidx: Mapped[int] = mapped_column(Integer)
    phone_bidx: Mapped[int | None] = mapped_column(Integer)
