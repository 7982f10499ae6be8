"""Retention of the suppression list: the `promotional_opt_out` exception of `privacy_records`.

An opt-out is kept ten years (the policy's exception, Article 21(3) GDPR and Article 11 KVKK),
long after the person may have been erased, so that erasing them never puts them back on a
mailing list. The clock is the policy's `last_activity`: the last thing we know of an
opted-out address is its opt-out, so a row goes ten years after it was written. After
that the keyed hash is deleted like any other record.
"""

from __future__ import annotations

from omniwise.messaging.models import Suppression
from omniwise.policy.model import Trigger
from omniwise.retention.registry import Sweeper, delete_rows, older_than, register_sweeper

CATEGORY = "privacy_records"
EXCEPTION = "promotional_opt_out"

register_sweeper(
    Sweeper(
        name="messaging.suppressions",
        category=CATEGORY,
        exception=EXCEPTION,
        table=Suppression.__table__,  # type: ignore[arg-type]
        key=Suppression.id,
        triggers={Trigger.LAST_ACTIVITY: older_than(Suppression.created_at)},
        delete=delete_rows,
        describe="the suppression list: the keyed hash of an address that opted out of promotional messages",
    )
)
