"""When a privacy request must be answered, from the laws of the policy (`rights.laws`).

The periods are the policy's, not this module's: GDPR one month (P1M, counted in calendar
months, so 31 January is answered by 28 or 29 February), extendable by two months with a
notice inside the first; CCPA/CPRA 45 days (+45), acknowledged within 10 business days;
KVKK 30 days. The law is the one the requester names (`jurisdiction`), else the one of the
region where the business's data lives, else GDPR, the strictest default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from omniwise.errors import ValidationFailed
from omniwise.policy.duration import Duration
from omniwise.policy.model import Law, Policy

DEFAULT_LAW = "gdpr"
DUE_SOON = timedelta(days=7)


def choose_law(policy: Policy, *, jurisdiction: str | None, tenant_region: str | None) -> Law:
    """The law that governs the request; ValidationFailed naming `jurisdiction` if it is not one of the policy's."""
    laws = policy.laws_by_id
    if jurisdiction is not None:
        law = laws.get(jurisdiction.strip().lower())
        if law is None:
            raise ValidationFailed(f"jurisdiction: must be one of {', '.join(sorted(laws))}")
        return law
    if tenant_region is not None:
        for region in policy.transfers.regions:
            if region.id == tenant_region and region.law in laws:
                return laws[region.law]
    return laws[DEFAULT_LAW]


def add_business_days(start: datetime, days: int) -> datetime:
    """`days` working days (Monday to Friday) after `start`, at the same time of day."""
    moment, left = start, days
    while left > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment


@dataclass(frozen=True)
class Deadlines:
    due_at: datetime
    acknowledge_by: datetime | None  # only where the law sets it (CCPA: 10 business days)
    extension_notice_by: datetime | None  # the last moment an extension may be notified; None: no extension
    extended_to: datetime | None  # the date an extension gives, if one is taken


def deadlines_for(law: Law, received_at: datetime) -> Deadlines:
    due = law.respond_duration.after(received_at)
    notice_by = extended = None
    if law.extension is not None:
        notice_within = Duration.parse(law.extension_notice_within or law.respond_within)
        notice_by = notice_within.after(received_at)
        extended = Duration.parse(law.extension).after(due)
    ack = (
        add_business_days(received_at, law.acknowledge_within_business_days)
        if law.acknowledge_within_business_days
        else None
    )
    return Deadlines(due_at=due, acknowledge_by=ack, extension_notice_by=notice_by, extended_to=extended)


def is_overdue(deadline: datetime, now: datetime) -> bool:
    return deadline < now


def is_due_soon(deadline: datetime, now: datetime) -> bool:
    return now <= deadline <= now + DUE_SOON
