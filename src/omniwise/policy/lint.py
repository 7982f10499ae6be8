"""The rules a valid policy must meet beyond its schema, each finding tied to a YAML line."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from omniwise.policy import taxonomy
from omniwise.policy.countries import COUNTRIES
from omniwise.policy.model import MANDATORY_SIGNIFICANT, ChannelKind, LegalBasis, Policy, Recipient
from omniwise.policy.purposes import Purpose as CodePurpose
from omniwise.policy.source import Document, Finding, PathKey

# Prose shorter than this is too generic ("Names and email addresses") to call a copy.
MIN_REPEATED_TEXT = 40
PROSE_KEYS = frozenset({"intro", "description"})
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")
_SALE_WORDS = re.compile(r"\b(sale|sales|sell|selling|sold)\b", re.IGNORECASE)


def lint(doc: Document, policy: Policy) -> list[Finding]:
    findings: list[Finding] = []
    for path, message in _all_rules(doc, policy):
        findings.append(doc.finding(path, message))
    return findings


def _all_rules(doc: Document, policy: Policy) -> Iterator[tuple[PathKey, str]]:
    yield from _unique_ids(policy)
    yield from _categories(policy)
    yield from _purposes(policy)
    yield from _recipients(policy)
    yield from _transfers(policy)
    yield from _rights(policy)
    yield from _channels(policy)
    yield from _changes(policy)
    yield from _cookies(policy)
    yield from repeated_text(doc)


def _duplicates(items: Sequence[Any], path: PathKey, label: str) -> Iterator[tuple[PathKey, str]]:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.id in seen:
            yield (*path, index, "id"), f"{label} id '{item.id}' is defined more than once"
        seen.add(item.id)


def _unique_ids(policy: Policy) -> Iterator[tuple[PathKey, str]]:
    yield from _duplicates(policy.notice.groups, ("notice", "groups"), "group")
    yield from _duplicates(policy.controller.addresses, ("controller", "addresses"), "address")
    yield from _duplicates(policy.channels, ("channels",), "channel")
    yield from _duplicates(policy.categories, ("categories",), "category")
    yield from _duplicates(policy.purposes, ("purposes",), "purpose")
    yield from _duplicates(policy.recipients, ("recipients",), "recipient")
    yield from _duplicates(policy.transfers.regions, ("transfers", "regions"), "region")
    yield from _duplicates(policy.transfers.mechanisms, ("transfers", "mechanisms"), "transfer mechanism")
    yield from _duplicates(policy.rights.laws, ("rights", "laws"), "law")
    yield from _duplicates(policy.rights.items, ("rights", "items"), "right")
    yield from _duplicates(policy.security.controls, ("security", "controls"), "security control")


def _undefined(
    refs: Iterable[str], known: Iterable[str], path: PathKey, owner: str, kind: str
) -> Iterator[tuple[PathKey, str]]:
    defined = set(known)
    for index, ref in enumerate(refs):
        if ref not in defined:
            yield (*path, index), f"{owner} names {kind} '{ref}', which is not defined"


def _categories(policy: Policy) -> Iterator[tuple[PathKey, str]]:
    groups = {g.id for g in policy.notice.groups}
    regions = {r.id for r in policy.transfers.regions}
    column_owner: dict[str, str] = {}
    for i, category in enumerate(policy.categories):
        path: PathKey = ("categories", i)
        owner = f"category '{category.id}'"
        if category.group not in groups:
            yield (*path, "group"), f"{owner} names group '{category.group}', which is not defined in notice.groups"
        if category.data_category not in taxonomy.data_categories():
            yield (
                (*path, "data_category"),
                f"{owner}: '{category.data_category}' is not a data category of the fideslang taxonomy",
            )
        if not category.purposes:
            yield path, f"{owner} has no purpose: name the purposes its data may serve"
        yield from _undefined(category.purposes, policy.purposes_by_id, (*path, "purposes"), owner, "purpose")
        if category.retention is None:
            yield path, f"{owner} has no retention: say how long it is kept, from when, and what happens then"
        if category.regions is not None:
            yield from _undefined(category.regions, regions, (*path, "regions"), owner, "region")
        for j, column in enumerate(category.columns):
            if not re.fullmatch(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*", column):
                yield (*path, "columns", j), f"{owner}: column '{column}' is not written as table.column"
            elif column in column_owner:
                yield (
                    (*path, "columns", j),
                    f"{owner}: column '{column}' is already declared under category '{column_owner[column]}'",
                )
            else:
                column_owner[column] = category.id
        if category.retention is not None:
            seen: set[str] = set()
            for j, exception in enumerate(category.retention.exceptions):
                if exception.id in seen:
                    yield (*path, "retention", "exceptions", j, "id"), f"{owner}: exception '{exception.id}' repeats"
                seen.add(exception.id)


def _purposes(policy: Policy) -> Iterator[tuple[PathKey, str]]:
    for i, purpose in enumerate(policy.purposes):
        path: PathKey = ("purposes", i)
        owner = f"purpose '{purpose.id}'"
        if purpose.legal_basis is None:
            yield path, f"{owner} has no legal basis: name one of {', '.join(b.value for b in LegalBasis)}"
        elif purpose.legal_basis is LegalBasis.LEGITIMATE_INTERESTS and purpose.interest is None:
            yield path, f"{owner} relies on legitimate interests but does not say which interest (add 'interest')"
        if purpose.data_use not in taxonomy.data_uses():
            yield (*path, "data_use"), f"{owner}: '{purpose.data_use}' is not a data use of the fideslang taxonomy"
        if taxonomy.is_sale(purpose.data_use) or _SALE_WORDS.search(f"{purpose.id.replace('_', ' ')} {purpose.name}"):
            yield (
                path,
                f"{owner} would sell personal information; the notice promises that we do not sell it, "
                "so no purpose may be a sale",
            )
    defined = set(policy.purposes_by_id)
    for purpose_code in CodePurpose:
        if purpose_code.value not in defined:
            yield (
                ("purposes",),
                f"purpose '{purpose_code.value}' is named by the platform's code but not defined in the policy",
            )


def _recipients(policy: Policy) -> Iterator[tuple[PathKey, str]]:
    for i, recipient in enumerate(policy.recipients):
        path: PathKey = ("recipients", i)
        owner = f"recipient '{recipient.id}'"
        if (recipient.country is None) == (not recipient.in_tenant_region):
            yield path, f"{owner}: give either its 'country' or 'in_tenant_region: true', not both or neither"
        if recipient.country is not None and recipient.country not in COUNTRIES:
            yield (*path, "country"), f"{owner}: country code '{recipient.country}' is not one the notice can name"
        if recipient.safeguard is None:
            yield path, f"{owner} has no safeguard: name the contract or duty that binds it"
        if not recipient.categories:
            yield path, f"{owner} receives no category; list what it receives"
        if not recipient.purposes:
            yield path, f"{owner} has no purpose; list why it receives data"
        yield from _undefined(recipient.categories, policy.categories_by_id, (*path, "categories"), owner, "category")
        yield from _undefined(recipient.purposes, policy.purposes_by_id, (*path, "purposes"), owner, "purpose")
        for j, category_id in enumerate(recipient.categories):
            category = policy.categories_by_id.get(category_id)
            if category is None:
                continue
            if not set(category.purposes) & set(recipient.purposes):
                yield (
                    (*path, "categories", j),
                    f"{owner} receives category '{category_id}' for none of the purposes that category allows",
                )
            yield from _transfer_safeguards(policy, recipient, category_id, (*path, "categories", j))


def _transfer_safeguards(
    policy: Policy, recipient: Recipient, category_id: str, path: PathKey
) -> Iterator[tuple[PathKey, str]]:
    if recipient.in_tenant_region or recipient.country is None:
        return
    category = policy.categories_by_id[category_id]
    for region_id in policy.regions_of(category):
        if region_id in policy.regions_by_id and policy.route(recipient, region_id) is None:
            yield (
                path,
                f"recipient '{recipient.id}' in {recipient.country} receives category '{category_id}' held in "
                f"region '{region_id}' with no transfer safeguard (add a transfers.mechanisms entry from "
                f"'{region_id}' to {recipient.country} naming '{recipient.id}')",
            )


def _transfers(policy: Policy) -> Iterator[tuple[PathKey, str]]:
    laws = {law.id for law in policy.rights.laws}
    for i, region in enumerate(policy.transfers.regions):
        path: PathKey = ("transfers", "regions", i)
        if region.law not in laws:
            yield (*path, "law"), f"region '{region.id}' names law '{region.law}', which is not defined in rights.laws"
        for j, country in enumerate(region.countries):
            if country not in COUNTRIES:
                yield (*path, "countries", j), f"region '{region.id}': country code '{country}' is not one we know"
    for i, mechanism in enumerate(policy.transfers.mechanisms):
        path = ("transfers", "mechanisms", i)
        owner = f"transfer mechanism '{mechanism.id}'"
        if mechanism.from_region not in policy.regions_by_id:
            yield (*path, "from"), f"{owner} names region '{mechanism.from_region}', which is not defined"
        yield from _undefined(mechanism.recipients, policy.recipients_by_id, (*path, "recipients"), owner, "recipient")
        for j, country in enumerate(mechanism.to):
            if country not in COUNTRIES:
                yield (*path, "to", j), f"{owner}: country code '{country}' is not one we know"


def _rights(policy: Policy) -> Iterator[tuple[PathKey, str]]:
    regions = set(policy.regions_by_id)
    for i, law in enumerate(policy.rights.laws):
        path: PathKey = ("rights", "laws", i)
        yield from _undefined(law.regions, regions, (*path, "regions"), f"law '{law.id}'", "region")
        if law.extension_notice_within is not None and law.extension is None:
            yield path, f"law '{law.id}' sets when to announce an extension but allows no extension"
        if law.extension is not None and law.extension_notice_within is None:
            yield path, f"law '{law.id}' allows an extension but not by when the person must be told"
    for i, right in enumerate(policy.rights.items):
        path = ("rights", "items", i)
        owner = f"right '{right.id}'"
        if not right.laws:
            yield path, f"{owner} names no law that grants it"
        if not right.channels:
            yield path, f"{owner} names no channel through which to exercise it"
        yield from _undefined(right.laws, policy.laws_by_id, (*path, "laws"), owner, "law")
        yield from _undefined(right.channels, policy.channels_by_id, (*path, "channels"), owner, "channel")


def _channels(policy: Policy) -> Iterator[tuple[PathKey, str]]:
    addresses = {a.id for a in policy.controller.addresses}
    needs = {ChannelKind.EMAIL: "email", ChannelKind.WEB: "path", ChannelKind.POST: "address"}
    for i, channel in enumerate(policy.channels):
        path: PathKey = ("channels", i)
        key = needs[channel.kind]
        if getattr(channel, key) is None:
            yield path, f"channel '{channel.id}' is a {channel.kind.value} channel without its '{key}'"
        if channel.address is not None and channel.address not in addresses:
            yield (
                (*path, "address"),
                f"channel '{channel.id}' names address '{channel.address}', which is not defined",
            )


def _changes(policy: Policy) -> Iterator[tuple[PathKey, str]]:
    missing = sorted(MANDATORY_SIGNIFICANT - set(policy.changes.significant))
    for kind in missing:
        yield (
            ("changes", "significant"),
            f"changes.significant leaves out '{kind.value}', which is always a significant change",
        )


def _cookies(policy: Policy) -> Iterator[tuple[PathKey, str]]:
    """Each cookie group serves a purpose its category allows, and outlives neither the category's period."""
    if policy.cookies is None:
        return
    category = policy.categories_by_id.get(policy.cookies.category)
    if category is None:
        yield ("cookies", "category"), f"cookies name category '{policy.cookies.category}', which is not defined"
    yield from _duplicates(policy.cookies.groups, ("cookies", "groups"), "cookie group")
    names: set[str] = set()
    for i, group in enumerate(policy.cookies.groups):
        path: PathKey = ("cookies", "groups", i)
        owner = f"cookie group '{group.id}'"
        if group.purpose not in policy.purposes_by_id:
            yield (*path, "purpose"), f"{owner} names purpose '{group.purpose}', which is not defined"
        elif category is not None and group.purpose not in category.purposes:
            yield (
                (*path, "purpose"),
                f"{owner} serves purpose '{group.purpose}', which category '{category.id}' does not allow",
            )
        for j, cookie in enumerate(group.cookies):
            if cookie.name in names:
                yield (*path, "cookies", j, "name"), f"cookie '{cookie.name}' is declared more than once"
            names.add(cookie.name)
            retention = category.retention if category is not None else None
            if retention is not None and cookie.duration.approx_days() > retention.duration.approx_days():
                yield (
                    (*path, "cookies", j, "lifetime"),
                    f"cookie '{cookie.name}' lives {cookie.lifetime}, longer than category "
                    f"'{category.id if category else ''}' is kept ({retention.period})",
                )


def _prose(data: Any, path: PathKey) -> Iterator[tuple[PathKey, str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            here = (*path, key)
            in_sections = path == ("notice", "sections")
            if isinstance(value, str) and (key in PROSE_KEYS or in_sections):
                yield here, value
            else:
                yield from _prose(value, here)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _prose(value, (*path, index))


def _label(path: PathKey) -> str:
    if len(path) == 3 and path[:2] == ("notice", "sections"):
        return f"section '{path[2]}'"
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(path))


def _sentences(normal: str) -> list[str]:
    return [part for part in _SENTENCE_END.split(normal) if len(part) >= MIN_REPEATED_TEXT]


def repeated_text(doc: Document) -> Iterator[tuple[PathKey, str]]:
    """Prose that repeats other prose, whole or in part.

    The source notice printed section 3 twice, and opened section 7 with section 6's
    paragraph: so a sentence of one section found again in another is a finding too.
    """
    first_seen: dict[str, PathKey] = {}
    for path, text in _prose(doc.data, ()):
        normal = " ".join(text.split()).casefold()
        repeated: PathKey | None = None
        for sentence in _sentences(normal):
            earlier = first_seen.setdefault(sentence, path)
            if earlier != path and repeated is None:
                repeated = earlier
        if repeated is not None:
            yield path, f"{_label(path)} repeats the text of {_label(repeated)} (line {doc.line_of(repeated)})"
