"""The shipped policy, and broken copies of it made by exact text edits."""

from __future__ import annotations

import functools
from pathlib import Path

from omniwise.config import DEFAULT_POLICY_FILE
from omniwise.policy.loader import check_text, load_policy
from omniwise.policy.model import Policy

SHIPPED_FILE = DEFAULT_POLICY_FILE


@functools.cache
def shipped_text() -> str:
    return SHIPPED_FILE.read_text(encoding="utf-8")


def shipped_policy() -> Policy:
    return load_policy(SHIPPED_FILE)


def edit(text: str, old: str, new: str, *, count: int = 1) -> str:
    """Replace `old` exactly `count` time(s), failing loudly if the shipped file no longer has it."""
    assert text.count(old) >= count, f"the shipped policy no longer contains {old!r}"
    return text.replace(old, new, count)


def line_of(text: str, exact_line: str, *, occurrence: int = 1) -> int:
    """The 1-based number of the `occurrence`-th line equal to `exact_line`."""
    found = [number for number, line in enumerate(text.splitlines(), start=1) if line == exact_line]
    assert len(found) >= occurrence, f"no line {exact_line!r} (occurrence {occurrence})"
    return found[occurrence - 1]


def write(folder: Path, text: str, name: str = "policy.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def variant(*edits: tuple[str, str]) -> Policy:
    """The shipped policy with text edits applied; it must still pass the check."""
    text = shipped_text()
    for old, new in edits:
        text = edit(text, old, new)
    policy, findings = check_text(text, "variant.yaml")
    assert policy is not None, [str(f) for f in findings]
    return policy
