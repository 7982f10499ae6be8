"""The notice's history for people: two versions compared, their changes grouped by the notice's sections.

The changes are those of `diff.diff_policies`, the same the command line and the API
report and the same that decide who is notified; this module only orders them the way
a reader meets them in the notice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from omniwise.policy import service
from omniwise.policy.diff import CHANGE_LABELS, Change, diff_policies
from omniwise.policy.model import ChangeKind, Policy
from omniwise.policy.models import PolicyVersion
from omniwise.policy.notice import build_notice

INTRODUCTION = (0, "intro", "Title and introduction")
# the top of a change's path names the part of the policy it touches, and so its section
SECTION_OF_PATH = {
    "categories": "collection",
    "purposes": "use",
    "recipients": "sharing",
    "security": "security",
    "transfers": "transfers",
    "rights": "rights",
    "changes": "changes",
    "controller": "contact",
    "channels": "contact",
}
SECTION_OF_KIND = {
    ChangeKind.CATEGORY_PURPOSE_ADDED: "use",
    ChangeKind.CATEGORY_PURPOSE_REMOVED: "use",
    ChangeKind.RETENTION_LONGER: "retention",
    ChangeKind.RETENTION_SHORTER: "retention",
    ChangeKind.RETENTION_CHANGED: "retention",
}


@dataclass(frozen=True)
class ChangeLine:
    """One change as a reader sees it: what happened, of which kind, and whether it is significant."""

    summary: str
    kind: str
    significant: bool
    path: str


@dataclass(frozen=True)
class ChangeGroup:
    number: int
    key: str
    title: str
    changes: list[ChangeLine]

    @property
    def significant(self) -> int:
        return sum(1 for change in self.changes if change.significant)


@dataclass(frozen=True)
class Comparison:
    """What changed from one version of the notice to another."""

    old: int | None
    new: int | None
    groups: list[ChangeGroup]

    @property
    def count(self) -> int:
        return sum(len(group.changes) for group in self.groups)

    @property
    def significant(self) -> int:
        return sum(group.significant for group in self.groups)


def _section_key(change: Change, sections: set[str]) -> str:
    if change.kind in SECTION_OF_KIND:
        return SECTION_OF_KIND[change.kind]
    head, _, rest = change.path.partition(".")
    if head == "notice":
        # notice.sections.<key>.…: the wording of one section's lead
        part, _, remainder = rest.partition(".")
        named = remainder.partition(".")[0]
        return named if part == "sections" and named in sections else INTRODUCTION[1]
    return SECTION_OF_PATH.get(head, INTRODUCTION[1])


def group_changes(changes: Sequence[Change], policy: Policy) -> list[ChangeGroup]:
    """The changes under the sections of `policy`'s notice, in the notice's order; empty sections left out."""
    titles = {section.key: (section.number, section.title) for section in build_notice(policy).sections}
    order = [INTRODUCTION, *((number, key, title) for key, (number, title) in titles.items())]
    found: dict[str, list[ChangeLine]] = {}
    for change in changes:
        key = _section_key(change, set(titles))
        summary = change.summary[:1].upper() + change.summary[1:]
        line = ChangeLine(summary, CHANGE_LABELS[change.kind], change.significant, change.path)
        found.setdefault(key, []).append(line)
    return [ChangeGroup(number, key, title, found[key]) for number, key, title in order if key in found]


def compare_versions(session: Session, *, old: int, new: int) -> Comparison:
    """The changes from version `old` to version `new` (NotFound for a version never published)."""
    changes = service.diff_versions(session, old=old, new=new)
    newer = service.policy_of(service.get_version(session, version=new))
    return Comparison(old, new, group_changes(changes, newer))


def unpublished_changes(session: Session, *, policy: Policy) -> tuple[PolicyVersion | None, Comparison]:
    """The newest published version, and what `policy` (the file the service runs on) changes from it."""
    versions = service.list_versions(session)
    latest = versions[0] if versions else None
    if latest is None:
        return None, Comparison(None, None, [])
    changes = diff_policies(service.policy_of(latest), policy)
    return latest, Comparison(latest.version, None, group_changes(changes, policy))


def publication_warning(session: Session, *, policy: Policy) -> str | None:
    """One line for the log at start-up when the policy file is not what the public notice says.

    The service enforces the file it loaded; the notice people read is the newest published
    version. When they differ, someone changed the file and has not published it (or
    published and then edited it), and the promises enforced are not the promises made.
    """
    latest, comparison = unpublished_changes(session, policy=policy)
    if latest is None:
        return "no version of the privacy notice is published yet; run 'omniwise policy publish'"
    if comparison.count == 0:
        return None
    return (
        f"the policy file differs from published notice version {latest.version} "
        f"({comparison.count} changes, {comparison.significant} significant); "
        f"compare with 'omniwise policy diff {latest.version} <policy file>', then run 'omniwise policy publish'"
    )
