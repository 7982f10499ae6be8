"""Comparing two policies: each change found, classified, and significant where the notice says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from omniwise.cli.main import app
from omniwise.policy.diff import Change, diff_policies
from omniwise.policy.model import ChangeKind
from tests.policy.helpers import SHIPPED_FILE, edit, shipped_policy, shipped_text, variant, write

NEW_CATEGORY = """  - id: call_recordings
    name: Call recordings
    group: customer
    description: Recordings of the support calls your customers make through our applications.
    data_category: user.content.private
    role: processor
    source: Your customers, when they call your business through our applications.
    fields: [call audio]
    purposes: [customer_support]
    retention:
      period: P90D
      trigger: collected
      action: delete

  - id: usage_information
"""
NEW_RECIPIENT = """  - id: error_tracker
    name: Our error tracking provider
    kind: sub_processor
    service: Collects crash reports so that we can fix faults quickly.
    in_tenant_region: true
    categories: [device_network_data]
    purposes: [security]
    safeguard: A data processing agreement under Article 28 GDPR, with confidentiality and security obligations.

  - id: stripe
"""
NEW_MECHANISM = """  mechanisms:
    - id: eu_ch_adequacy
      kind: adequacy
      from: eu
      to: [CH]
      recipients: [hosting]
      instrument: The adequacy decision of the European Commission for Switzerland, 2000/518/EC.
"""
RESTRICTION_RIGHT = """    - id: restriction
      name: Restriction
      description: Have us stop using your information, except to store it, while a question about its accuracy or our use of it is settled.
      laws: [gdpr]
      channels: [privacy_center, email]
"""  # noqa: E501


COOKIES_13M = "      period: P13M\n      trigger: collected\n      action: delete\n"
COOKIES_2Y = "      period: P2Y\n      trigger: collected\n      action: delete\n"
LONGER_RETENTION = (COOKIES_13M, COOKIES_2Y)
LONGER_DEADLINE = ("      respond_within: P30D\n", "      respond_within: P60D\n")
COOKIE_PURPOSES = "    purposes: [service_provision, analytics, security, promotional_communications]"
NEW_COOKIE_PURPOSE = (COOKIE_PURPOSES, COOKIE_PURPOSES.replace("security", "security, customer_support"))
ANALYTICS_BASIS = "    data_use: analytics.reporting.system.performance\n    legal_basis: "
BASIS_CHANGE = (ANALYTICS_BASIS + "legitimate_interests\n", ANALYTICS_BASIS + "consent\n")
STRIPE_CATEGORIES = "    country: US\n    categories: [billing_details, business_details, contact_information"
STRIPE_MORE = [
    (STRIPE_CATEGORIES + "]", STRIPE_CATEGORIES + ", usage_information]"),
    ("    purposes: [billing]\n", "    purposes: [billing, analytics]\n"),
]
STRICTER_LIST = ("    - channel_removed\n", "    - channel_removed\n    - security_control_added\n")


def kinds(changes: list[Change]) -> dict[ChangeKind, bool]:
    return {change.kind: change.significant for change in changes}


def test_the_same_policy_has_no_change() -> None:
    assert diff_policies(shipped_policy(), shipped_policy()) == []


def test_a_wording_change_is_not_significant() -> None:
    changed = variant(("    Omni Wise builds applications", "    Omni Wise makes applications"))
    changes = diff_policies(shipped_policy(), changed)
    assert [(c.kind, c.path, c.significant) for c in changes] == [(ChangeKind.WORDING_CHANGED, "notice.intro", False)]


@pytest.mark.parametrize(
    ("edits", "kind"),
    [
        pytest.param([("  - id: usage_information\n", NEW_CATEGORY)], ChangeKind.CATEGORY_ADDED, id="new-category"),
        pytest.param([NEW_COOKIE_PURPOSE], ChangeKind.CATEGORY_PURPOSE_ADDED, id="category-serves-a-new-purpose"),
        pytest.param([("  - id: stripe\n", NEW_RECIPIENT)], ChangeKind.RECIPIENT_ADDED, id="new-recipient"),
        pytest.param([("  mechanisms:\n", NEW_MECHANISM)], ChangeKind.TRANSFER_ADDED, id="new-transfer"),
        pytest.param([LONGER_RETENTION], ChangeKind.RETENTION_LONGER, id="longer-retention"),
        pytest.param([(RESTRICTION_RIGHT, "")], ChangeKind.RIGHT_REMOVED, id="right-removed"),
        pytest.param([LONGER_DEADLINE], ChangeKind.DEADLINE_LONGER, id="longer-deadline"),
        pytest.param([BASIS_CHANGE], ChangeKind.LEGAL_BASIS_CHANGED, id="legal-basis-changed"),
        pytest.param(STRIPE_MORE, ChangeKind.RECIPIENT_CATEGORIES_ADDED, id="recipient-receives-more"),
    ],
)
def test_significant_changes(edits: list[tuple[str, str]], kind: ChangeKind) -> None:
    changes = diff_policies(shipped_policy(), variant(*edits))
    found = kinds(changes)
    assert found.get(kind) is True, [c.to_json() for c in changes]
    assert ChangeKind.WORDING_CHANGED not in found


def test_changes_in_the_other_direction_are_not_significant() -> None:
    longer = variant(LONGER_RETENTION)
    shorter = diff_policies(longer, shipped_policy())
    assert kinds(shorter) == {ChangeKind.RETENTION_SHORTER: False}
    assert shorter[0].summary == "'Cookies and similar technologies' is kept for 13 months instead of 2 years"
    with_right = shipped_policy()
    without = variant((RESTRICTION_RIGHT, ""))
    assert kinds(diff_policies(without, with_right)) == {ChangeKind.RIGHT_ADDED: False}


def test_a_policy_can_make_more_kinds_significant_but_never_fewer() -> None:
    control = "    - id: assessments\n"
    new_control = (
        "    - id: pentest\n      name: Yearly penetration test\n      description: An outside firm tries to break in "
        "every year.\n      check: the report of the last test\n"
    )
    added = variant((control, new_control + control))
    assert kinds(diff_policies(shipped_policy(), added)) == {ChangeKind.SECURITY_CONTROL_ADDED: False}
    stricter = variant((control, new_control + control), STRICTER_LIST)
    assert kinds(diff_policies(shipped_policy(), stricter))[ChangeKind.SECURITY_CONTROL_ADDED] is True

    # dropping deadline_longer from the list in the same version does not make a longer deadline minor
    laxer = variant(LONGER_DEADLINE, ("    - deadline_longer\n", ""))
    assert kinds(diff_policies(shipped_policy(), laxer))[ChangeKind.DEADLINE_LONGER] is True


def test_changes_round_trip_through_json() -> None:
    changes = diff_policies(shipped_policy(), variant(("  - id: stripe\n", NEW_RECIPIENT)))
    assert [Change.from_json(c.to_json()) for c in changes] == changes


def test_diff_command_between_files(tmp_path: Path) -> None:
    runner = CliRunner()
    same = runner.invoke(app, ["policy", "diff", str(SHIPPED_FILE), str(SHIPPED_FILE)])
    assert same.exit_code == 0
    assert same.stdout.strip() == "0 change(s), 0 significant"

    wording = write(
        tmp_path, edit(shipped_text(), "    Omni Wise builds applications", "    Omni Wise makes applications")
    )
    minor = runner.invoke(app, ["policy", "diff", str(SHIPPED_FILE), str(wording)])
    assert minor.exit_code == 1
    first = minor.stdout.splitlines()[0]
    assert first == f"{'minor':<12}{'wording_changed':<28}notice.intro: the wording of notice.intro changes"

    longer = write(
        tmp_path, edit(shipped_text(), "      respond_within: P30D\n", "      respond_within: P60D\n"), "b.yaml"
    )
    significant = runner.invoke(app, ["policy", "diff", str(SHIPPED_FILE), str(longer)])
    assert significant.exit_code == 3
    assert "significant deadline_longer" in " ".join(significant.stdout.split())
    assert "KVKK: respond within 60 days instead of 30 days" in significant.stdout

    unreadable = runner.invoke(app, ["policy", "diff", str(SHIPPED_FILE), "no-such-file.yaml"])
    assert unreadable.exit_code == 2
    assert "neither a policy file nor a version number" in unreadable.stderr


def test_a_copied_policy_computes_its_own_hash_and_lookups() -> None:
    shipped = shipped_policy()
    # computed, and cached, on the original first
    assert len(shipped.sha256) == 64
    assert len(shipped.categories_by_id) == 10
    fewer = shipped.model_copy(update={"categories": shipped.categories[:2]})
    assert fewer.sha256 != shipped.sha256
    assert len(fewer.categories_by_id) == 2
    assert kinds(diff_policies(shipped, fewer)) == {ChangeKind.CATEGORY_REMOVED: False}


COOKIE_RULE_END = COOKIES_13M


def _cookie_exception(period: str, trigger: str) -> tuple[str, str]:
    return (
        COOKIE_RULE_END,
        COOKIE_RULE_END
        + "      exceptions:\n        - id: disputed\n          applies_to: consent records in a dispute\n"
        + f"          period: {period}\n          trigger: {trigger}\n          action: delete\n"
        + "          law: Article 7(1) GDPR, under which we must be able to show that consent was given.\n",
    )


@pytest.mark.parametrize(
    ("period", "trigger", "kind", "significant"),
    [
        pytest.param("P30D", "collected", ChangeKind.RETENTION_SHORTER, False, id="sooner-and-shorter"),
        pytest.param("P3Y", "collected", ChangeKind.RETENTION_LONGER, True, id="longer-than-the-rule"),
        pytest.param("P30D", "account_closed", ChangeKind.RETENTION_LONGER, True, id="counted-from-a-later-event"),
    ],
)
def test_a_new_exception_is_longer_only_when_it_may_keep_data_longer(
    period: str, trigger: str, kind: ChangeKind, significant: bool
) -> None:
    changes = diff_policies(shipped_policy(), variant(_cookie_exception(period, trigger)))
    assert kinds(changes) == {kind: significant}, [c.to_json() for c in changes]
