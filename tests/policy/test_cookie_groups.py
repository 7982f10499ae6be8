"""The policy's cookie groups: the shipped file passes the check, and the linter catches the mistakes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from omniwise.config import DEFAULT_POLICY_FILE
from omniwise.models import metadata
from omniwise.policy.datamap import check_columns
from omniwise.policy.loader import check_file, check_text


def _findings(change: Callable[[dict[str, Any]], None]) -> list[str]:
    data = yaml.safe_load(DEFAULT_POLICY_FILE.read_text())
    change(data)
    policy, findings = check_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), "policy.yaml")
    assert policy is None
    return [f.message for f in findings]


def test_the_shipped_policy_passes_and_declares_three_cookie_groups() -> None:
    policy, findings = check_file(DEFAULT_POLICY_FILE)
    assert findings == []
    assert policy is not None
    assert policy.cookies is not None
    assert [(g.id, g.consent) for g in policy.cookies.groups] == [
        ("strictly_necessary", False),
        ("analytics", True),
        ("marketing", True),
    ]


def test_every_new_column_is_declared_in_the_policy() -> None:
    policy, _ = check_file(DEFAULT_POLICY_FILE)
    assert policy is not None
    mine = ("usage_events", "usage_daily", "device_sightings", "consent_records", "legal_holds", "retention_run")
    findings = [f.message for f in check_columns(policy, metadata, source="policy.yaml")]
    assert [m for m in findings if any(f"column {table}" in m for table in mine)] == []


def test_a_group_for_a_purpose_its_category_does_not_allow_is_a_finding() -> None:
    def change(data: dict[str, Any]) -> None:
        data["cookies"]["groups"][2]["purpose"] = "billing"

    assert _findings(change) == [
        "cookie group 'marketing' serves purpose 'billing', which category 'cookies' does not allow"
    ]


def test_a_cookie_that_outlives_its_category_is_a_finding() -> None:
    def change(data: dict[str, Any]) -> None:
        data["cookies"]["groups"][1]["cookies"][0]["lifetime"] = "P2Y"

    assert _findings(change) == ["cookie 'ow_analytics' lives P2Y, longer than category 'cookies' is kept (P13M)"]


def test_repeated_cookies_and_unknown_references_are_findings() -> None:
    def change(data: dict[str, Any]) -> None:
        data["cookies"]["groups"][2]["cookies"][0]["name"] = "ow_analytics"
        data["cookies"]["groups"][1]["purpose"] = "surveillance"

    assert sorted(_findings(change)) == [
        "cookie 'ow_analytics' is declared more than once",
        "cookie group 'analytics' names purpose 'surveillance', which is not defined",
    ]

    def no_category(data: dict[str, Any]) -> None:
        data["cookies"]["category"] = "crumbs"

    assert _findings(no_category) == ["cookies name category 'crumbs', which is not defined"]
