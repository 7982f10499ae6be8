"""The notice for people, built from the policy alone: nine sections of plain sentences, ready to render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from omniwise.policy.countries import country_name
from omniwise.policy.diff import CHANGE_LABELS
from omniwise.policy.duration import Duration
from omniwise.policy.model import (
    MANDATORY_SIGNIFICANT,
    Category,
    ChangeKind,
    Channel,
    ChannelKind,
    Law,
    Policy,
    RecipientKind,
    Retention,
    RetentionAction,
    Role,
)

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
ROLE_WORDS = {
    Role.CONTROLLER: "We decide why and how it is used (we are its controller).",
    Role.PROCESSOR: "We use it only on your business's instructions (we are its processor).",
}
ACTION_WORDS = {RetentionAction.DELETE: "deleted", RetentionAction.ANONYMIZE: "anonymised"}
RECIPIENT_BLOCKS = (
    (
        RecipientKind.SUB_PROCESSOR,
        "Service providers",
        "They act only on our instructions, under a contract that binds them to confidentiality and security.",
    ),
    (
        RecipientKind.PARTNER,
        "Business partners",
        "Only when your business has opted in to sharing with that partner; it can withdraw at any time.",
    ),
    (RecipientKind.AUTHORITY, "Legal and compliance", None),
)


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class Item:
    title: str
    text: str = ""
    facts: list[Fact] = field(default_factory=list)


@dataclass(frozen=True)
class Block:
    title: str | None
    items: list[Item]
    intro: str | None = None


@dataclass(frozen=True)
class Section:
    number: int
    key: str
    title: str
    lead: str
    paragraphs: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class Notice:
    title: str
    subtitle: str
    intro: str
    last_updated: str
    sections: list[Section]


def spoken_date(day: date) -> str:
    """'19 July 2024', the same whatever the machine's locale."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _names(ids: list[str], table: dict[str, str]) -> str:
    return ", ".join(table.get(i, i) for i in ids)


def build_notice(policy: Policy) -> Notice:
    sections = [
        _collection(policy),
        _use(policy),
        _sharing(policy),
        _security(policy),
        _retention(policy),
        _transfers(policy),
        _rights(policy),
        _changes(policy),
        _contact(policy),
    ]
    return Notice(
        title=policy.notice.title,
        subtitle=policy.notice.subtitle,
        intro=policy.notice.intro,
        last_updated=spoken_date(policy.notice.last_updated),
        sections=sections,
    )


def _purpose_names(policy: Policy) -> dict[str, str]:
    return {p.id: p.name for p in policy.purposes}


def _category_names(policy: Policy) -> dict[str, str]:
    return {c.id: c.name for c in policy.categories}


def _collection(policy: Policy) -> Section:
    purposes = _purpose_names(policy)
    blocks = []
    for group in policy.notice.groups:
        items = [_category_item(c, purposes) for c in policy.categories if c.group == group.id]
        if items:
            blocks.append(Block(group.title, items))
    text = policy.notice.sections.collection
    return Section(1, "collection", "Information we collect", text, [policy.controller.description], blocks)


def _category_item(category: Category, purposes: dict[str, str]) -> Item:
    facts = [
        Fact("What it covers", _cap(", ".join(category.fields))),
        Fact("Where it comes from", category.source),
        Fact("Our role", ROLE_WORDS[category.role]),
        Fact("Used for", _names(category.purposes, purposes)),
    ]
    if category.note:
        facts.append(Fact("Note", category.note))
    return Item(category.name, category.description, facts)


def _use(policy: Policy) -> Section:
    categories = _category_names(policy)
    items = []
    for purpose in policy.purposes:
        basis = purpose.legal_basis
        facts = []
        if basis is not None:
            facts.append(Fact("Legal basis", f"{_cap(basis.plain)} ({basis.gdpr_article}; {basis.kvkk_article})"))
        if purpose.interest:
            facts.append(Fact("Our interest", purpose.interest))
        used = [c.id for c in policy.categories if purpose.id in c.purposes]
        facts.append(Fact("Information used", _names(used, categories) or "None"))
        items.append(Item(purpose.name, purpose.description, facts))
    return Section(2, "use", "How we use your information", policy.notice.sections.use, blocks=[Block(None, items)])


def _sharing(policy: Policy) -> Section:
    categories, purposes = _category_names(policy), _purpose_names(policy)
    blocks = []
    for kind, title, intro in RECIPIENT_BLOCKS:
        items = []
        for recipient in (r for r in policy.recipients if r.kind is kind):
            where = country_name(recipient.country) if recipient.country else "The region your business chose"
            facts = [
                Fact("What it receives", _names(recipient.categories, categories)),
                Fact("Why", _names(recipient.purposes, purposes)),
                Fact("Where", _cap(where)),
            ]
            if recipient.safeguard:
                facts.append(Fact("Safeguard", recipient.safeguard))
            items.append(Item(recipient.name, recipient.service, facts))
        if items:
            blocks.append(Block(title, items, intro))
    return Section(3, "sharing", "Sharing your information", policy.notice.sections.sharing, blocks=blocks)


def _security(policy: Policy) -> Section:
    items = [Item(control.name, control.description) for control in policy.security.controls]
    return Section(4, "security", "Data security", policy.notice.sections.security, blocks=[Block(None, items)])


def retention_sentence(retention: Retention) -> str:
    return f"Kept for {retention.duration.words()} {retention.trigger.plain}, then {ACTION_WORDS[retention.action]}."


def _retention(policy: Policy) -> Section:
    items = []
    for category in policy.categories:
        if category.retention is None:
            continue
        retention = category.retention
        text = retention_sentence(retention) + (f" {retention.note}" if retention.note else "")
        facts = [
            Fact(
                f"Legal exception for {exception.applies_to}",
                f"Kept for {exception.duration.words()} {exception.trigger.plain}, then "
                f"{ACTION_WORDS[exception.action]}, as required by {exception.law}",
            )
            for exception in retention.exceptions
        ]
        items.append(Item(category.name, text, facts))
    return Section(5, "retention", "Data retention", policy.notice.sections.retention, blocks=[Block(None, items)])


def _transfers(policy: Policy) -> Section:
    laws = {law.id: law.short_name for law in policy.rights.laws}
    recipients = {r.id: r.name for r in policy.recipients}
    regions = [
        Item(
            _cap(region.name),
            f"Law that applies: {laws.get(region.law, region.law)}.",
            [Fact("Countries", ", ".join(country_name(c) for c in region.countries))],
        )
        for region in policy.transfers.regions
    ]
    local = [Item(r.name) for r in policy.recipients if r.in_tenant_region]
    mechanisms = []
    for mechanism in policy.transfers.mechanisms:
        region = policy.regions_by_id.get(mechanism.from_region)
        source = region.name if region else mechanism.from_region
        to = ", ".join(country_name(c) for c in mechanism.to)
        facts = [
            Fact("Recipients", _names(mechanism.recipients, recipients)),
            Fact("Safeguard", _cap(mechanism.kind.plain)),
        ]
        mechanisms.append(Item(f"From {source} to {to}", mechanism.instrument, facts))
    blocks = [
        Block("Where your information is held", regions),
        Block(
            "Recipients in your region", local, "They process your information where your business chose to hold it."
        ),
        Block("Transfers and their safeguards", mechanisms),
    ]
    return Section(6, "transfers", "International data transfers", policy.notice.sections.transfers, blocks=blocks)


def _rights(policy: Policy) -> Section:
    laws = {law.id: law.short_name for law in policy.rights.laws}
    channels = {c.id: c.name for c in policy.channels}
    rights = [
        Item(
            right.name,
            right.description,
            [Fact("Under", _names(right.laws, laws)), Fact("How", _names(right.channels, channels))],
        )
        for right in policy.rights.items
    ]
    deadlines = [_deadline(policy, law) for law in policy.rights.laws]
    blocks = [Block("Your rights", rights), Block("How quickly we answer", deadlines)]
    return Section(7, "rights", "Your rights and choices", policy.notice.sections.rights, blocks=blocks)


def _deadline(policy: Policy, law: Law) -> Item:
    sentences = []
    if law.acknowledge_within_business_days:
        sentences.append(
            f"We confirm that we received your request within {law.acknowledge_within_business_days} business days."
        )
    sentences.append(f"We answer within {law.respond_duration.words()} of receiving it.")
    if law.extension and law.extension_notice_within:
        sentences.append(
            f"Where requests are complex or numerous we may take up to {Duration.parse(law.extension).words()} "
            f"more; if so, we tell you within {Duration.parse(law.extension_notice_within).words()}, with our reasons."
        )
    regions = [policy.regions_by_id[r].name for r in law.regions if r in policy.regions_by_id]
    facts = [Fact("Applies to", _cap(", ".join(regions)))] if regions else []
    facts.append(Fact("Where to complain", _cap(law.authority)))
    return Item(_cap(law.name), " ".join(sentences), facts)


def _changes(policy: Policy) -> Section:
    kinds = MANDATORY_SIGNIFICANT | set(policy.changes.significant)
    items = [Item(_cap(CHANGE_LABELS[kind])) for kind in ChangeKind if kind in kinds]
    block = Block("What we treat as a significant change", items)
    paragraphs = [policy.changes.notification]
    return Section(8, "changes", "Changes to this notice", policy.notice.sections.changes, paragraphs, [block])


CHANNEL_LABELS = {ChannelKind.EMAIL: "Write to", ChannelKind.WEB: "Visit", ChannelKind.POST: "Address"}


def _channel_text(policy: Policy, channel: Channel) -> str:
    if channel.kind is ChannelKind.EMAIL and channel.email:
        return channel.email
    if channel.kind is ChannelKind.WEB and channel.path:
        return channel.path
    addresses = {a.id: a for a in policy.controller.addresses}
    address = addresses.get(channel.address or "")
    return ", ".join(address.lines) if address else ""


def _contact(policy: Policy) -> Section:
    items = [
        Item(
            channel.name,
            channel.description or "",
            [Fact(CHANNEL_LABELS[channel.kind], _channel_text(policy, channel))],
        )
        for channel in policy.channels
    ]
    controller = (
        f"{policy.controller.legal_name} (\u201c{policy.controller.name}\u201d) is responsible for this notice."
    )
    return Section(9, "contact", "Contact us", policy.notice.sections.contact, [controller], [Block(None, items)])
