"""Accounts of people who sign in, and their server-side sessions.

A tenant user is a data subject of their tenant: their email and name are sealed under
their own key, and erasing the subject deletes the account and, by cascade, its sessions.
Vendor staff belong to no tenant; their fields are sealed under a key of their own in the
vendor key scope (see `omniwise.users.crypto`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from omniwise.kit.clock import utcnow
from omniwise.kit.db import Base, TimestampedMixin, UTCDateTime

CONTACT = {"personal": True, "category": "contact_information"}


class User(TimestampedMixin, Base):
    __tablename__ = "users"

    role: Mapped[str] = mapped_column(String(32))
    tenant_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("data_subjects.id", ondelete="CASCADE"), index=True)
    email_ct: Mapped[bytes] = mapped_column(LargeBinary, info=CONTACT)
    # A keyed hash of the normalised address: exact, unique sign-in lookup across every tenant.
    # It is a pseudonym of the address, so it is declared as the address's category.
    email_hmac: Mapped[str] = mapped_column(String(64), unique=True, info=CONTACT)
    name_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info=CONTACT)
    password_hash: Mapped[str] = mapped_column(String(255))
    # A credential, not information about the person; sealed so that a copy of the
    # database does not carry anyone's second factor.
    totp_secret_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info={"personal": False})
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_counter: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UserSession(Base):
    """A signed-in browser. Only a hash of its token is stored; the token lives in the cookie."""

    __tablename__ = "user_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # "enrol" or "verify" while the second factor is outstanding, "full" once signed in
    stage: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
