"""How long invoice records outlive a closed account, read from the policy (never hard-coded).

The policy's `billing_details` category keeps invoices and transaction records under its
`tax_records` exception (ten years from the end of the financial year, as the policy
stands); without that exception, the category's own retention applies. Financial years
are taken to end on 31 December, in UTC. The date computed here is what a privacy officer
is shown; the retention sweep (`billing/sweepers.py`) deletes by the same rule, read from
the policy when it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from omniwise.errors import Conflict
from omniwise.policy.model import Policy, RetentionException, Trigger
from omniwise.policy.model import Retention as PolicyRetention

CATEGORY = "billing_details"
EXCEPTION = "tax_records"


@dataclass(frozen=True)
class InvoiceRetention:
    delete_after: datetime
    reason: str


def _rule(policy: Policy) -> tuple[PolicyRetention | RetentionException, str]:
    category = policy.categories_by_id.get(CATEGORY)
    if category is None or category.retention is None:
        raise Conflict(f"the privacy policy gives category '{CATEGORY}' no retention; invoice records cannot be kept")
    for exception in category.retention.exceptions:
        if exception.id == EXCEPTION:
            return exception, f"{CATEGORY}.{EXCEPTION}"
    return category.retention, CATEGORY


def years_ended_before(cutoff: datetime) -> datetime:
    """The last 1 January (UTC) strictly before `cutoff`: what was issued before it belongs to a
    financial year that ended before `cutoff` (a year ends at the first instant of the next)."""
    start = datetime(cutoff.year, 1, 1, tzinfo=UTC)
    return start if cutoff > start else datetime(cutoff.year - 1, 1, 1, tzinfo=UTC)


def _start(trigger: Trigger, *, issued_at: datetime, closed_at: datetime) -> datetime:
    if trigger is Trigger.FINANCIAL_YEAR_END:
        return datetime(issued_at.year + 1, 1, 1, tzinfo=UTC)
    if trigger is Trigger.COLLECTED:
        return issued_at
    # account closed, subscription ended and the like: all happen, at the latest, now
    return closed_at


def invoice_retention(policy: Policy, *, issued_at: datetime, closed_at: datetime) -> InvoiceRetention:
    """When an invoice record issued at `issued_at`, of an account closed at `closed_at`, is deleted."""
    rule, label = _rule(policy)
    delete_after = rule.duration.after(_start(rule.trigger, issued_at=issued_at, closed_at=closed_at))
    return InvoiceRetention(
        delete_after=max(delete_after, closed_at),
        reason=f"account closed; kept for the legal period of {label} ({rule.period} from {rule.trigger.value})",
    )
