"""Retention of consent records (cookies): deleted when their period ends; the banner then asks again."""

from __future__ import annotations

from omniwise.consent.models import ConsentRecord
from omniwise.policy.model import Trigger
from omniwise.retention.registry import Sweeper, delete_rows, older_than, register_sweeper, set_values

register_sweeper(
    Sweeper(
        name="consent.records",
        category="cookies",
        table=ConsentRecord.__table__,  # type: ignore[arg-type]
        key=ConsentRecord.id,
        triggers={Trigger.COLLECTED: older_than(ConsentRecord.recorded_at)},
        pending=ConsentRecord.consent_id.is_not(None),
        delete=delete_rows,
        anonymise=set_values(consent_id=None, ip_hmac=None, origin=None),
        describe="consent records: the record with its browser id and keyed IP hash",
    )
)
