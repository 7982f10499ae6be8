"""Tables of the key store, kept in a database of their own (see KeyRing)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import LargeBinary, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from omniwise.kit.clock import utcnow
from omniwise.kit.db.base import NAMING_CONVENTION
from omniwise.kit.db.types import UTCDateTime


class KeystoreBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TenantKey(KeystoreBase):
    """A tenant's data key, wrapped by the master key."""

    __tablename__ = "tenant_keys"

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    master_key_id: Mapped[str] = mapped_column(String(64))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    rewrapped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SubjectKey(KeystoreBase):
    """One person's data key, wrapped by their tenant's key. Deleting it shreds them."""

    __tablename__ = "subject_keys"

    subject_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(index=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
