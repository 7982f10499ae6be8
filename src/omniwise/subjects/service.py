"""Creating data subjects and erasing them by crypto-shredding."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Table, delete
from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import Actor
from omniwise.errors import NotFound
from omniwise.keys import KeyRing
from omniwise.kit.clock import utcnow
from omniwise.kit.crypto import FieldCipher
from omniwise.kit.db import Base
from omniwise.subjects.models import DataSubject


@dataclass(frozen=True)
class ErasureReport:
    subject_id: uuid.UUID
    key_destroyed: bool
    rows_deleted: dict[str, int]


def create_subject(
    session: Session, keyring: KeyRing, *, tenant_id: uuid.UUID, kind: str
) -> tuple[DataSubject, FieldCipher]:
    subject = DataSubject(id=uuid.uuid4(), tenant_id=tenant_id, kind=kind)
    session.add(subject)
    session.flush()  # rows that point at the subject are inserted after it
    cipher = keyring.create_subject_key(tenant_id, subject.id)
    return subject, cipher


def personal_tables() -> list[Table]:
    """Every table whose rows belong to one person (a foreign key to data_subjects)."""
    tables = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "data_subjects" for fk in column.foreign_keys):
                tables.append(table)
                break
    return tables


def erase_subject(
    session: Session,
    keyring: KeyRing,
    *,
    tenant_id: uuid.UUID,
    subject_id: uuid.UUID,
    actor: Actor,
    purpose: str,
) -> ErasureReport:
    """Destroy the person's key, then delete every row (and blind index) that is theirs.

    The key goes first: from that instant no copy of their ciphertext can be read, even
    if the deletes below are rolled back and retried.
    """
    subject = session.get(DataSubject, subject_id)
    if subject is None or subject.tenant_id != tenant_id:
        raise NotFound(f"data subject {subject_id} does not exist")
    destroyed = keyring.destroy_subject_key(subject_id)
    deleted: dict[str, int] = {}
    for table in reversed(personal_tables()):
        column = next(c for c in table.columns if any(fk.column.table.name == "data_subjects" for fk in c.foreign_keys))
        result = cast("CursorResult[Any]", session.execute(delete(table).where(column == subject_id)))
        if result.rowcount:
            deleted[table.name] = result.rowcount
    subject.erased_at = utcnow()
    record(
        session,
        AuditEntry(
            name="privacy:subject:erased",
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=tenant_id,
            purpose=purpose,
            object_type="data_subject",
            object_id=str(subject_id),
            subject_id=subject_id,
            details={"key_destroyed": destroyed, "rows_deleted": deleted},
        ),
    )
    return ErasureReport(subject_id, destroyed, deleted)
