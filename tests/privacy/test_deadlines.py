"""Deadlines from the policy's laws: calendar months for GDPR, days for CCPA and KVKK, business days to acknowledge."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from omniwise.errors import ValidationFailed
from omniwise.policy.loader import load_policy
from omniwise.policy.model import Policy
from omniwise.privacy.deadlines import add_business_days, choose_law, deadlines_for, is_due_soon, is_overdue

POLICY_FILE = Path(__file__).resolve().parents[2] / "policy" / "privacy-policy.yaml"


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(POLICY_FILE)


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (at(2024, 1, 31), at(2024, 2, 29)),  # leap year: the month end clamps to the 29th
        (at(2023, 1, 31), at(2023, 2, 28)),
        (at(2100, 1, 31), at(2100, 2, 28)),  # a century that is not a leap year
        (at(2000, 1, 30), at(2000, 2, 29)),  # a century that is
        (at(2026, 3, 31), at(2026, 4, 30)),
        (at(2026, 12, 31), at(2027, 1, 31)),  # across the year
        (at(2026, 2, 28), at(2026, 3, 28)),
        (at(2026, 6, 15), at(2026, 7, 15)),
    ],
)
def test_gdpr_is_one_calendar_month_with_month_ends_clamped(policy: Policy, received: datetime, due: datetime) -> None:
    assert deadlines_for(policy.laws_by_id["gdpr"], received).due_at == due


def test_gdpr_extension_is_two_more_months_noticed_inside_the_first(policy: Policy) -> None:
    deadlines = deadlines_for(policy.laws_by_id["gdpr"], at(2024, 1, 31))
    assert deadlines.extension_notice_by == at(2024, 2, 29)
    assert deadlines.extended_to == at(2024, 4, 29)
    assert deadlines.acknowledge_by is None


def test_ccpa_is_45_days_plus_45_and_acknowledged_within_ten_business_days(policy: Policy) -> None:
    received = at(2024, 2, 15)  # a Thursday, in a leap February
    deadlines = deadlines_for(policy.laws_by_id["ccpa"], received)
    assert deadlines.due_at == at(2024, 3, 31)
    assert deadlines.extended_to == at(2024, 5, 15)
    assert deadlines.extension_notice_by == at(2024, 3, 31)
    assert deadlines.acknowledge_by == at(2024, 2, 29)  # two working weeks later


def test_kvkk_is_thirty_days_with_no_extension(policy: Policy) -> None:
    deadlines = deadlines_for(policy.laws_by_id["kvkk"], at(2024, 2, 10))
    assert deadlines.due_at == at(2024, 3, 11)
    assert deadlines.extended_to is None
    assert deadlines.extension_notice_by is None


def test_business_days_skip_weekends() -> None:
    assert add_business_days(at(2026, 11, 27), 1) == at(2026, 11, 30)  # Friday -> Monday
    assert add_business_days(at(2026, 11, 28), 1) == at(2026, 11, 30)  # Saturday -> Monday
    assert add_business_days(at(2026, 11, 23), 10) == at(2026, 12, 7)


def test_the_law_is_the_jurisdiction_else_the_business_region_else_gdpr(policy: Policy) -> None:
    assert choose_law(policy, jurisdiction="ccpa", tenant_region="eu").id == "ccpa"
    assert choose_law(policy, jurisdiction="KVKK", tenant_region=None).id == "kvkk"
    assert choose_law(policy, jurisdiction=None, tenant_region="us").id == "ccpa"
    assert choose_law(policy, jurisdiction=None, tenant_region="tr").id == "kvkk"
    assert choose_law(policy, jurisdiction=None, tenant_region=None).id == "gdpr"
    with pytest.raises(ValidationFailed, match=r"^jurisdiction: "):
        choose_law(policy, jurisdiction="mars", tenant_region=None)


def test_due_soon_is_within_seven_days_and_overdue_is_past() -> None:
    now = at(2026, 11, 28)
    assert is_due_soon(at(2026, 12, 5), now)
    assert not is_due_soon(at(2026, 12, 6), now)
    assert is_overdue(at(2026, 11, 27), now)
    assert not is_overdue(at(2026, 11, 29), now)
