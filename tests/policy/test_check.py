"""`omniwise policy check`: the shipped policy passes; broken copies fail with the line of each mistake."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from omniwise.cli.main import app
from omniwise.config import ConfigError, Settings
from omniwise.policy.loader import check_text
from omniwise.runtime import build_runtime
from tests.cli.helpers import run_cli
from tests.policy.helpers import SHIPPED_FILE, edit, line_of, shipped_text, write

COOKIES = "  - id: cookies"
COOKIE_PURPOSES = "    purposes: [service_provision, analytics, security, promotional_communications]"
COOKIE_RETENTION = (
    "    retention:\n      period: P13M\n      trigger: collected\n      action: delete\n\n  - id: billing_details"
)
TRANSFERS_TEXT = (
    "      Your business chooses the region where its data is held: the European Economic Area,\n"
    "      the United States or Türkiye. Some of our service providers process data outside\n"
    "      that region; for each such transfer we rely on a recognised legal safeguard, and the\n"
    "      platform blocks any transfer that has none.\n"
)


@dataclass(frozen=True)
class Broken:
    """A copy of the shipped policy with one mistake: where it is, and what the check must say."""

    id: str
    make: Callable[[str], str]
    line: Callable[[str], int]
    message: str


CASES = [
    Broken(
        "category-without-purpose",
        lambda t: edit(t, COOKIE_PURPOSES, "    purposes: []"),
        lambda t: line_of(t, COOKIES),
        "category 'cookies' has no purpose",
    ),
    Broken(
        "category-without-retention",
        lambda t: edit(t, COOKIE_RETENTION, "\n  - id: billing_details"),
        lambda t: line_of(t, COOKIES),
        "category 'cookies' has no retention",
    ),
    Broken(
        "purpose-without-legal-basis",
        lambda t: edit(
            t,
            "    data_use: essential.service.payment_processing\n    legal_basis: contract\n",
            "    data_use: essential.service.payment_processing\n",
        ),
        lambda t: line_of(t, "  - id: billing"),
        "purpose 'billing' has no legal basis",
    ),
    Broken(
        "recipient-outside-region-without-transfer-mechanism",
        lambda t: edit(
            t,
            "      recipients: [stripe, zendesk, email_provider, zendesk_marketplace]",
            "      recipients: [zendesk, email_provider, zendesk_marketplace]",
        ),
        lambda t: line_of(t, "    categories: [billing_details, business_details, contact_information]"),
        "recipient 'stripe' in US receives category 'billing_details' held in region 'eu' with no transfer safeguard",
    ),
    Broken(
        "recipient-without-safeguard",
        lambda t: edit(
            t,
            "    safeguard: Stripe's services agreement and data processing agreement, with confidentiality and "
            "security obligations.\n",
            "",
        ),
        lambda t: line_of(t, "  - id: stripe"),
        "recipient 'stripe' has no safeguard",
    ),
    Broken(
        "unknown-taxonomy-id",
        lambda t: edit(t, "    data_category: user.device.cookie\n", "    data_category: user.device.cookies\n"),
        lambda t: line_of(t, "    data_category: user.device.cookies"),
        "'user.device.cookies' is not a data category of the fideslang taxonomy",
    ),
    Broken(
        "unknown-data-use",
        lambda t: edit(
            t, "    data_use: analytics.reporting.system.performance", "    data_use: analytics.reporting.everything"
        ),
        lambda t: line_of(t, "    data_use: analytics.reporting.everything"),
        "is not a data use of the fideslang taxonomy",
    ),
    Broken(
        "undefined-purpose-referenced",
        lambda t: edit(t, COOKIE_PURPOSES, "    purposes: [service_provision, analytics, security, profiling]"),
        lambda t: line_of(t, "    purposes: [service_provision, analytics, security, profiling]"),
        "category 'cookies' names purpose 'profiling', which is not defined",
    ),
    Broken(
        "undefined-channel-referenced",
        lambda t: edit(t, "      channels: [email]\n", "      channels: [email, fax]\n"),
        lambda t: line_of(t, "      channels: [email, fax]"),
        "right 'complaint' names channel 'fax', which is not defined",
    ),
    Broken(
        "section-repeats-another",
        lambda t: edit(
            t,
            "    rights: >\n      Depending on where you live",
            "    rights: >\n" + TRANSFERS_TEXT + "      Depending on where you live",
        ),
        lambda t: line_of(t, "    rights: >"),
        "section 'rights' repeats the text of section 'transfers'",
    ),
    Broken(
        "sale-data-use",
        lambda t: edit(t, "    data_use: third_party_sharing\n", "    data_use: sales\n"),
        lambda t: line_of(t, "  - id: joint_marketing"),
        "purpose 'joint_marketing' would sell personal information",
    ),
    Broken(
        "sale-named-purpose",
        lambda t: edit(
            t,
            "    name: Joint marketing and product integration with partners",
            "    name: Selling contact lists to partners",
        ),
        lambda t: line_of(t, "  - id: joint_marketing"),
        "would sell personal information",
    ),
    Broken(
        "yaml-typo-missing-colon",
        lambda t: edit(t, "    source: Your browser, when you use", "    source Your browser, when you use"),
        lambda t: line_of(t, "    source Your browser, when you use our web pages and applications."),
        "not valid YAML: could not find expected ':'",
    ),
    Broken(
        "yaml-typo-misspelt-key",
        lambda t: edit(t, COOKIE_PURPOSES, "    purpses: [service_provision, analytics, security]"),
        lambda t: line_of(t, "    purpses: [service_provision, analytics, security]"),
        "purpses: unknown key",
    ),
    Broken(
        "duplicate-key",
        lambda t: edit(
            t,
            "    data_category: user.device.cookie\n    role: controller\n",
            "    data_category: user.device.cookie\n    role: controller\n    role: processor\n",
        ),
        lambda t: line_of(t, "    data_category: user.device.cookie") + 2,
        "key 'role' appears twice in the same place (first at line",
    ),
    Broken(
        "mandatory-significant-kind-left-out",
        lambda t: edit(t, "    - retention_longer\n", ""),
        lambda t: line_of(t, "  significant:"),
        "changes.significant leaves out 'retention_longer'",
    ),
]


def test_the_shipped_policy_passes() -> None:
    policy, findings = check_text(shipped_text(), str(SHIPPED_FILE))
    assert findings == []
    assert policy is not None
    assert len(policy.categories) >= 10


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_a_broken_copy_fails_on_the_line_of_its_mistake(case: Broken) -> None:
    text = case.make(shipped_text())
    policy, findings = check_text(text, "copy.yaml")
    assert policy is None
    expected_line = case.line(text)
    matching = [f for f in findings if case.message in f.message]
    assert matching, f"no finding says {case.message!r}; got {[str(f) for f in findings]}"
    assert matching[0].line == expected_line, [str(f) for f in matching]
    assert str(matching[0]).startswith(f"copy.yaml:{expected_line}: ")


def test_the_command_prints_one_line_per_finding_and_fails(tmp_path: Path) -> None:
    text = edit(shipped_text(), COOKIE_PURPOSES, "    purposes: []")
    text = edit(text, "    data_category: user.device.cookie\n", "    data_category: user.device.cookies\n")
    path = write(tmp_path, text)
    result = CliRunner().invoke(app, ["policy", "check", "--policy", str(path)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    for line in lines:
        assert re.match(rf"^{re.escape(str(path))}:\d+: \S", line), line
    assert f"{path}:{line_of(text, COOKIES)}: category 'cookies' has no purpose" in lines[0]
    assert "'user.device.cookies' is not a data category of the fideslang taxonomy" in lines[1]
    # and each cookie group now serves a purpose its category no longer allows
    assert len(lines) == 5, result.stdout
    assert "5 problem(s)" in result.stderr

    ok = CliRunner().invoke(app, ["policy", "check", "--policy", str(SHIPPED_FILE)])
    assert ok.exit_code == 0, ok.output
    assert "OK (10 categories" in ok.stdout


def test_check_as_a_separate_process(tmp_path: Path) -> None:
    broken = write(tmp_path, edit(shipped_text(), "    legal_basis: consent\n", ""))
    failed = run_cli(["policy", "check", "--policy", str(broken)], tmp_path / "var")
    assert failed.returncode == 1
    assert (
        failed.stdout.strip() == f"{broken}:{line_of(broken.read_text(), '  - id: joint_marketing')}: purpose "
        "'joint_marketing' has no legal basis: name one of consent, contract, legal_obligation, vital_interests, "
        "public_task, legitimate_interests"
    )


def test_the_service_refuses_to_start_on_a_broken_policy(tmp_path: Path) -> None:
    broken = write(tmp_path, edit(shipped_text(), "    legal_basis: consent\n", ""))
    settings = Settings(data_dir=tmp_path / "var", policy_file=broken, environment="test")
    with pytest.raises(ConfigError) as refused:
        build_runtime(settings)
    assert str(refused.value).startswith(f"OMNIWISE_POLICY_FILE: {broken}:")
    assert "has no legal basis" in str(refused.value)
