"""Retention of contacts (contact_information): the contacts of a business closed longer than the period are erased."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select

from omniwise.contacts.models import Contact
from omniwise.policy.model import Trigger
from omniwise.policy.purposes import Purpose
from omniwise.retention.registry import SweepBatch, Sweeper, batch_keys, register_sweeper
from omniwise.subjects.service import erase_subjects
from omniwise.tenants.models import Tenant


def _closed_before(cutoff: datetime) -> ColumnElement[bool]:
    closed = select(Tenant.id).where(Tenant.closed_at.is_not(None), Tenant.closed_at < cutoff)
    return Contact.tenant_id.in_(closed)


def _erase(batch: SweepBatch) -> int:
    """Erase the batch's people as `erase_subject` would: keys first, in bulk, then their rows in every table."""
    subjects = batch_keys(batch, Contact.subject_id)
    report = erase_subjects(
        batch.session,
        batch.runtime.keyring,
        subject_ids=subjects,
        actor=batch.actor,
        purpose=Purpose.LEGAL_COMPLIANCE.value,
        reason="retention",
    )
    return report.rows_deleted.get(Contact.__tablename__, 0)


register_sweeper(
    Sweeper(
        name="contacts.closed_accounts",
        category="contact_information",
        table=Contact.__table__,  # type: ignore[arg-type]
        key=Contact.id,
        triggers={Trigger.ACCOUNT_CLOSED: _closed_before},
        delete=_erase,
        tenant_column=Contact.tenant_id,
        subject_column=Contact.subject_id,
        describe="contacts of closed accounts: each person's key destroyed, their rows deleted everywhere",
    )
)
