"""`omniwise policy render`: the whole notice, in the source notice's nine sections, from the policy alone, stable."""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from omniwise.cli.main import app
from omniwise.policy.loader import check_text
from omniwise.policy.render import NoticeFormat, _render, render_notice
from tests.cli.helpers import run_cli
from tests.policy.helpers import SHIPPED_FILE, edit, shipped_policy, shipped_text

SECTIONS = [
    "Information we collect",
    "How we use your information",
    "Sharing your information",
    "Data security",
    "Data retention",
    "International data transfers",
    "Your rights and choices",
    "Changes to this notice",
    "Contact us",
]


def test_markdown_has_the_nine_sections_once_each_in_order() -> None:
    text = render_notice(shipped_policy(), NoticeFormat.MD)
    headings = re.findall(r"^## (\d)\. (.+)$", text, flags=re.MULTILINE)
    assert headings == [(str(n), title) for n, title in enumerate(SECTIONS, start=1)]
    assert text.startswith("# Privacy Notice\n")


def test_html_has_the_nine_sections_once_each_in_order() -> None:
    html = render_notice(shipped_policy(), NoticeFormat.HTML)
    headings = re.findall(r'<section id="(\w+)">\n<h2>(\d)\. ([^<]+)</h2>', html)
    assert [title for _, _, title in headings] == SECTIONS
    assert [key for key, _, _ in headings] == [
        "collection",
        "use",
        "sharing",
        "security",
        "retention",
        "transfers",
        "rights",
        "changes",
        "contact",
    ]
    checker = _TagBalance()
    checker.feed(html)
    assert checker.open == [], f"unclosed tags: {checker.open}"


class _TagBalance(HTMLParser):
    VOID = frozenset({"meta", "br", "input", "hr", "img", "link"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open, f"</{tag}> closes nothing"
        assert self.open[-1] == tag, f"</{tag}> closes <{self.open[-1]}>"
        self.open.pop()


def test_every_promise_of_the_policy_is_in_the_notice() -> None:
    policy = shipped_policy()
    text = render_notice(policy, NoticeFormat.MD)
    for category in policy.categories:
        assert f"**{category.name}**" in text
    for purpose in policy.purposes:
        assert f"**{purpose.name}**" in text
    for recipient in policy.recipients:
        assert f"**{recipient.name}**" in text
    for right in policy.rights.items:
        assert f"**{right.name}**" in text
    for control in policy.security.controls:
        assert f"**{control.name}**" in text
    assert "privacy@omniwise.com" in text
    assert "8 The Green STE D, Dover, County of Kent, Delaware 19901, USA" in text
    # the source notice's "as long as necessary" became real periods
    assert "Kept for 10 years from the end of the financial year it belongs to, then deleted" in text
    assert "We answer within 1 month of receiving it." in text
    assert "We do not sell personal information" in text


def test_the_defects_of_the_source_notice_are_gone() -> None:
    text = render_notice(shipped_policy(), NoticeFormat.MD)
    assert text.count("## 3. Sharing your information") == 1
    rights = text.split("## 7. Your rights and choices", 1)[1].split("\n\n", 2)[1]
    transfers = text.split("## 6. International data transfers", 1)[1].split("\n\n", 2)[1]
    assert rights != transfers
    assert not set(re.split(r"(?<=\.) ", rights)) & set(re.split(r"(?<=\.) ", transfers))


@pytest.mark.parametrize("fmt", list(NoticeFormat))
def test_rendering_is_byte_stable(fmt: NoticeFormat) -> None:
    policy = shipped_policy()
    # uncached, twice, and through the cache: the same bytes every time
    assert _render(policy, fmt) == _render(policy, fmt) == render_notice(policy, fmt)


def test_rendering_is_the_same_in_another_process(tmp_path: Path) -> None:
    result = run_cli(["policy", "render", "--format", "md"], tmp_path / "var")
    assert result.returncode == 0, result.stderr
    here = render_notice(shipped_policy(), NoticeFormat.MD)
    assert hashlib.sha256(result.stdout.encode()).hexdigest() == hashlib.sha256(here.encode()).hexdigest()


def test_the_notice_comes_from_the_policy_alone(tmp_path: Path) -> None:
    text = edit(
        shipped_text(),
        "      period: P13M\n      trigger: collected\n      action: delete\n",
        "      period: P2Y\n      trigger: collected\n      action: delete\n",
    )
    text = edit(text, "    email: privacy@omniwise.com", "    email: dpo@omniwise.com")
    text = edit(text, "    name: Stripe, Inc.", "    name: Stripe Payments Europe, Ltd.")
    policy, findings = check_text(text, "changed.yaml")
    assert policy is not None, findings
    rendered = render_notice(policy, NoticeFormat.MD)
    assert "**Cookies and similar technologies**: Kept for 2 years from when it is collected, then deleted." in rendered
    assert "dpo@omniwise.com" in rendered
    assert "privacy@omniwise.com" not in rendered
    assert "Stripe Payments Europe, Ltd." in rendered


def test_html_escapes_what_the_policy_says() -> None:
    text = edit(shipped_text(), "  title: Privacy Notice\n", "  title: Privacy <Notice> & more\n")
    policy, findings = check_text(text, "escaped.yaml")
    assert policy is not None, findings
    html = render_notice(policy, NoticeFormat.HTML)
    assert "<title>Privacy &lt;Notice&gt; &amp; more</title>" in html
    assert "<Notice>" not in html


def test_render_command_writes_html_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "notice.html"
    result = CliRunner().invoke(
        app, ["policy", "render", "--policy", str(SHIPPED_FILE), "--format", "html", "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == render_notice(shipped_policy(), NoticeFormat.HTML)
    bad = CliRunner().invoke(app, ["policy", "render", "--policy", str(SHIPPED_FILE), "--format", "pdf"])
    assert bad.exit_code == 2
