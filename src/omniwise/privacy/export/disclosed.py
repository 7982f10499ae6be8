"""Which recipients actually received a person's data: the disclosure records, summed up.

Article 15 asks for "the recipients to whom the personal data have been or will be
disclosed". The policy says who may receive each category; the disclosure records
(written by the gate at every send) say who did, what, when and under which safeguard.
A person may have thousands of records (every email sent is one), so rows are read in
batches and summed per recipient, category and purpose: memory grows with the number of
distinct recipients, never with the number of sends.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniwise.disclosures.models import Disclosure
from omniwise.kit.db import tenant_scoped

_BATCH = 1000


@dataclass
class Received:
    """One recipient's receipt of one category for one purpose, over all the person's records."""

    tenant_id: uuid.UUID
    recipient_id: str
    category: str
    purpose: str
    legal_basis: str
    first_at: datetime
    last_at: datetime
    times: int = 0
    # (region, transfer mechanism label, mechanism id) of the sends
    routes: set[tuple[str, str, str | None]] = field(default_factory=set)


def received(session: Session, *, tenant_id: uuid.UUID, subject_ids: Collection[uuid.UUID]) -> list[Received]:
    """The disclosures recorded for these people of one tenant, summed per recipient, category and purpose."""
    if not subject_ids:
        return []
    statement = (
        tenant_scoped(select(Disclosure), Disclosure, tenant_id)
        .with_only_columns(
            Disclosure.recipient_id,
            Disclosure.categories,
            Disclosure.purpose,
            Disclosure.legal_basis,
            Disclosure.region,
            Disclosure.transfer_mechanism,
            Disclosure.transfer_id,
            Disclosure.created_at,
        )
        .where(Disclosure.subject_id.in_(sorted(subject_ids)))
        .execution_options(yield_per=_BATCH)
    )
    found: dict[tuple[str, str, str], Received] = {}
    for recipient_id, categories, purpose, legal_basis, region, mechanism, transfer_id, created_at in session.execute(
        statement
    ):
        for category in categories or []:
            key = (recipient_id, str(category), purpose)
            entry = found.get(key)
            if entry is None:
                entry = found[key] = Received(
                    tenant_id, recipient_id, str(category), purpose, legal_basis, created_at, created_at
                )
            entry.first_at = min(entry.first_at, created_at)
            entry.last_at = max(entry.last_at, created_at)
            entry.times += 1
            entry.routes.add((region, mechanism, transfer_id))
    return sorted(found.values(), key=lambda r: (r.category, r.recipient_id, r.purpose))
