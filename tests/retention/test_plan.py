"""Pairing the policy's rules with the sweepers, and counting periods back in calendar months."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from omniwise.config import DEFAULT_POLICY_FILE
from omniwise.policy.duration import Duration
from omniwise.policy.loader import load_policy
from omniwise.policy.model import Policy
from omniwise.retention.registry import NothingStored, all_nothing_stored, all_sweepers
from omniwise.retention.sweep import NOTHING_STORED, columns_holding, cutoff_for, plan


def _policy_with(change: Any) -> Policy:
    data = yaml.safe_load(Path(DEFAULT_POLICY_FILE).read_text())
    change(data)
    return Policy.model_validate(data)


def _category(data: dict[str, Any], category_id: str) -> dict[str, Any]:
    return next(c for c in data["categories"] if c["id"] == category_id)


def test_every_shipped_sweeper_has_a_rule_it_can_apply() -> None:
    planned = plan(load_policy(DEFAULT_POLICY_FILE), all_sweepers())
    swept = [p for p in planned if p.sweeper is not None]
    assert {p.sweeper.name for p in swept if p.sweeper} == {
        "auth.api_key_usage",
        "billing.contacts",
        "billing.customers",
        "billing.invoices",
        "billing.stripe_events",
        "billing.subscriptions",
        "consent.records",
        "contacts.closed_accounts",
        "devices.sightings",
        "messaging.suppressions",
        "privacy.requests",
        "tenants.business_details",
        "usage.events",
        "zendesk.comments",
        "zendesk.organizations",
        "zendesk.people",
        "zendesk.tickets",
        "zendesk.webhook_events",
        "zendesk.webhook_payloads",
    }
    assert [p.problem for p in swept] == [None] * len(swept)


def test_every_rule_is_swept_or_says_why_nothing_is_stored() -> None:
    policy = load_policy(DEFAULT_POLICY_FILE)
    planned = plan(policy, all_sweepers(), nothing_stored=all_nothing_stored())
    unswept = {(p.rule.category, p.rule.exception): p for p in planned if p.sweeper is None}
    explained = {key: p.note for key, p in unswept.items() if p.problem is None}
    assert set(explained) == {
        ("business_details", "tax_records"),
        ("customer_usage_data", None),
        ("device_network_data", "security_incident"),
    }
    assert all(note and note.startswith(NOTHING_STORED) for note in explained.values())
    # every other rule, the suppression list's exception of privacy records included, has a sweeper
    assert {key for key, p in unswept.items() if p.problem} == set()
    # and nothing declared stored nowhere is in fact held by a column of the data map
    assert columns_holding(policy, "customer_usage_data") == []


def test_a_declaration_that_a_column_contradicts_is_a_gap_again() -> None:
    declared = [NothingStored("zendesk_integration_data", None, "made up")]
    planned = plan(
        load_policy(DEFAULT_POLICY_FILE), [], categories=["zendesk_integration_data"], nothing_stored=declared
    )
    main = next(p for p in planned if p.rule.exception is None)
    assert main.problem == (
        "no sweeper is registered for this rule: it is declared stored nowhere, "
        "yet zendesk_comments.body_ct holds 'zendesk_integration_data'"
    )
    assert main.note is None


def test_a_rule_a_sweeper_cannot_apply_is_reported_not_guessed() -> None:
    def change(data: dict[str, Any]) -> None:
        _category(data, "contact_information")["retention"]["trigger"] = "last_activity"
        _category(data, "cookies")["retention"]["action"] = "anonymize"
        data["categories"] = [c for c in data["categories"] if c["id"] != "business_details"]
        for recipient in data["recipients"]:
            recipient["categories"] = [c for c in recipient["categories"] if c != "business_details"]

    by_sweeper = {p.sweeper.name: p for p in plan(_policy_with(change), all_sweepers()) if p.sweeper}
    assert by_sweeper["contacts.closed_accounts"].problem == (
        "sweeper contacts.closed_accounts cannot count from trigger 'last_activity' (it knows account_closed)"
    )
    assert by_sweeper["consent.records"].problem is None  # the records can be anonymised too
    assert by_sweeper["tenants.business_details"].problem == "the policy has no category 'business_details'"


def test_only_the_categories_asked_for_are_planned() -> None:
    planned = plan(load_policy(DEFAULT_POLICY_FILE), all_sweepers(), categories=["cookies"])
    assert [(p.rule.category, p.sweeper.name if p.sweeper else None) for p in planned] == [
        ("cookies", "consent.records")
    ]


def test_periods_count_back_in_calendar_months() -> None:
    now = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
    assert cutoff_for(Duration.parse("P1M"), now) == datetime(2026, 2, 28, 12, 0, tzinfo=UTC)
    assert cutoff_for(Duration.parse("P13M"), now) == datetime(2025, 2, 28, 12, 0, tzinfo=UTC)
    assert cutoff_for(Duration.parse("P90D"), now) == datetime(2025, 12, 31, 12, 0, tzinfo=UTC)
    assert cutoff_for(Duration.parse("P1Y"), datetime(2028, 2, 29, tzinfo=UTC)) == datetime(2027, 2, 28, tzinfo=UTC)
    for period in ("P30D", "P13M", "P3Y", "P2W"):
        duration = Duration.parse(period)
        assert duration.after(cutoff_for(duration, now)) <= now
