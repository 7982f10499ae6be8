"""Creating data subjects and erasing them by crypto-shredding."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Table, delete, select, update
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


@dataclass(frozen=True)
class BulkErasureReport:
    subjects: int
    keys_destroyed: int
    rows_deleted: dict[str, int]


def _subject_column(table: Table) -> Any:
    return next(c for c in table.columns if any(fk.column.table.name == "data_subjects" for fk in c.foreign_keys))


def erase_subjects(
    session: Session,
    keyring: KeyRing,
    *,
    subject_ids: Collection[uuid.UUID],
    actor: Actor,
    purpose: str,
    reason: str,
) -> BulkErasureReport:
    """`erase_subject` for many people at once: keys destroyed in one key-store statement,
    then one DELETE per personal table, so the cost grows with tables, not with people.

    The caller gives ids it has already scoped (a retention sweep selects them by tenant
    and period). Each person still gets their own `privacy:subject:erased` audit event.
    """
    ids = list(dict.fromkeys(subject_ids))
    if not ids:
        return BulkErasureReport(0, 0, {})
    rows = session.execute(select(DataSubject.id, DataSubject.tenant_id).where(DataSubject.id.in_(ids)))
    tenants = {subject_id: tenant_id for subject_id, tenant_id in rows}
    destroyed = keyring.destroy_subject_keys(ids)
    deleted: dict[str, int] = {}
    for table in reversed(personal_tables()):
        result = cast("CursorResult[Any]", session.execute(delete(table).where(_subject_column(table).in_(ids))))
        if result.rowcount:
            deleted[table.name] = result.rowcount
    session.execute(
        update(DataSubject)
        .where(DataSubject.id.in_(ids), DataSubject.erased_at.is_(None))
        .values(erased_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    for subject_id in ids:
        record(
            session,
            AuditEntry(
                name="privacy:subject:erased",
                actor_type=actor.kind,
                actor_id=actor.id,
                tenant_id=tenants.get(subject_id),
                purpose=purpose,
                object_type="data_subject",
                object_id=str(subject_id),
                subject_id=subject_id,
                details={"reason": reason, "bulk": True},
            ),
        )
    return BulkErasureReport(len(ids), destroyed, deleted)


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
    if the deletes below are rolled back and retried. The key store commits on its own,
    so a process killed between the two leaves a subject without a key and not yet
    erased; the erasure run again reports the key as destroyed (by this erasure, in its
    first attempt), so every run of an interrupted erasure reports the same.
    """
    subject = session.get(DataSubject, subject_id)
    if subject is None or subject.tenant_id != tenant_id:
        raise NotFound(f"data subject {subject_id} does not exist")
    destroyed = keyring.destroy_subject_key(subject_id) or subject.erased_at is None
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
