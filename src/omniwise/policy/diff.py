"""What changed between two versions of the policy: each change, its kind, and whether it is significant.

A change is significant when its kind is in the mandatory set of `model.py` or in the
`changes.significant` list of either version (a version cannot make its own change minor
by editing that list). Significant changes are notified to every contact of every tenant.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel

from omniwise.policy.countries import country_name
from omniwise.policy.duration import Duration
from omniwise.policy.model import MANDATORY_SIGNIFICANT, ChangeKind, Policy, Retention, RetentionException, Trigger

CHANGE_LABELS: dict[ChangeKind, str] = {
    ChangeKind.CATEGORY_ADDED: "a new kind of information collected",
    ChangeKind.CATEGORY_REMOVED: "a kind of information no longer collected",
    ChangeKind.PURPOSE_ADDED: "a new purpose",
    ChangeKind.PURPOSE_REMOVED: "a purpose dropped",
    ChangeKind.CATEGORY_PURPOSE_ADDED: "information used for a purpose it was not used for before",
    ChangeKind.CATEGORY_PURPOSE_REMOVED: "information no longer used for a purpose",
    ChangeKind.CATEGORY_CHANGED: "more fields collected, or a change in our role or in where information is held",
    ChangeKind.CATEGORY_NARROWED: "fewer fields collected",
    ChangeKind.PURPOSE_CHANGED: "a purpose that changes in nature",
    ChangeKind.LEGAL_BASIS_CHANGED: "a change in the legal basis of a purpose",
    ChangeKind.RECIPIENT_ADDED: "a new recipient of information",
    ChangeKind.RECIPIENT_REMOVED: "a recipient that no longer receives information",
    ChangeKind.RECIPIENT_CATEGORIES_ADDED: "a recipient that receives more kinds of information",
    ChangeKind.RECIPIENT_PURPOSES_ADDED: "a recipient that receives information for more purposes",
    ChangeKind.RECIPIENT_CHANGED: "a recipient whose role changes",
    ChangeKind.RECIPIENT_NARROWED: "a recipient that receives less",
    ChangeKind.RECIPIENT_MOVED: "a recipient that moves to another country",
    ChangeKind.TRANSFER_ADDED: "a new transfer of information to another country",
    ChangeKind.TRANSFER_REMOVED: "a transfer that ends",
    ChangeKind.TRANSFER_CHANGED: "a change in the safeguard of a transfer or in the regions we hold information in",
    ChangeKind.RETENTION_LONGER: "information kept longer",
    ChangeKind.RETENTION_SHORTER: "information kept for less time",
    ChangeKind.RETENTION_CHANGED: "a change in when the retention period starts or what happens at its end",
    ChangeKind.RIGHT_ADDED: "a new right, or a new way to use one",
    ChangeKind.RIGHT_REMOVED: "a right, or a way to use one, taken away",
    ChangeKind.DEADLINE_LONGER: "more time for us to answer a request",
    ChangeKind.DEADLINE_SHORTER: "less time for us to answer a request",
    ChangeKind.SECURITY_CONTROL_ADDED: "a new security measure",
    ChangeKind.SECURITY_CONTROL_REMOVED: "a security measure withdrawn",
    ChangeKind.CONTROLLER_CHANGED: "a change in who is responsible for your information or how to reach us",
    ChangeKind.CHANNEL_ADDED: "a new way to contact us",
    ChangeKind.CHANNEL_REMOVED: "a way to contact us withdrawn",
    ChangeKind.WORDING_CHANGED: "a change of wording only",
}


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    path: str
    summary: str
    significant: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "path": self.path, "summary": self.summary, "significant": self.significant}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Change:
        return cls(ChangeKind(data["kind"]), str(data["path"]), str(data["summary"]), bool(data["significant"]))


def significant_kinds(old: Policy, new: Policy) -> frozenset[ChangeKind]:
    return MANDATORY_SIGNIFICANT | frozenset(old.changes.significant) | frozenset(new.changes.significant)


def diff_policies(old: Policy, new: Policy) -> list[Change]:
    """Every change from `old` to `new`, in the order of the notice's sections."""
    found = _Found()
    _notice(found, old, new)
    _categories(found, old, new)
    _purposes(found, old, new)
    _recipients(found, old, new)
    _transfers(found, old, new)
    _rights(found, old, new)
    _security(found, old, new)
    _contact(found, old, new)
    _wording(found, "changes", old.changes, new.changes)
    kinds = significant_kinds(old, new)
    return [replace(change, significant=change.kind in kinds) for change in found.changes]


class _Found:
    def __init__(self) -> None:
        self.changes: list[Change] = []

    def add(self, kind: ChangeKind, path: str, summary: str) -> None:
        self.changes.append(Change(kind, path, summary))


def _dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True)


def _wording(found: _Found, path: str, old: BaseModel, new: BaseModel, *, handled: Iterable[str] = ()) -> None:
    """Keys not `handled` by a specific rule are prose: a difference there is wording."""
    skip = set(handled)
    before, after = _dump(old), _dump(new)
    for key in [*after, *(k for k in before if k not in after)]:
        if key not in skip and before.get(key) != after.get(key):
            found.add(ChangeKind.WORDING_CHANGED, f"{path}.{key}", f"the wording of {path}.{key} changes")


def _sides(old: Sequence[Any], new: Sequence[Any]) -> tuple[list[Any], list[Any], list[tuple[Any, Any]]]:
    """Items only in `new`, only in `old`, and in both (paired), by id, in the order of `new`."""
    before = {item.id: item for item in old}
    after = {item.id: item for item in new}
    added = [item for item in new if item.id not in before]
    removed = [item for item in old if item.id not in after]
    common = [(before[item.id], item) for item in new if item.id in before]
    return added, removed, common


def _gained(old: Iterable[str], new: Iterable[str]) -> list[str]:
    before = set(old)
    return [item for item in new if item not in before]


def _notice(found: _Found, old: Policy, new: Policy) -> None:
    _wording(found, "notice", old.notice, new.notice, handled={"sections"})
    _wording(found, "notice.sections", old.notice.sections, new.notice.sections)


def _categories(found: _Found, old: Policy, new: Policy) -> None:
    added, removed, common = _sides(old.categories, new.categories)
    for category in added:
        found.add(ChangeKind.CATEGORY_ADDED, f"categories.{category.id}", f"we now collect '{category.name}'")
    for category in removed:
        found.add(ChangeKind.CATEGORY_REMOVED, f"categories.{category.id}", f"we no longer collect '{category.name}'")
    for a, b in common:
        path = f"categories.{b.id}"
        for purpose in _gained(a.purposes, b.purposes):
            found.add(ChangeKind.CATEGORY_PURPOSE_ADDED, f"{path}.purposes", f"'{b.name}' may now serve '{purpose}'")
        for purpose in _gained(b.purposes, a.purposes):
            found.add(
                ChangeKind.CATEGORY_PURPOSE_REMOVED, f"{path}.purposes", f"'{b.name}' no longer serves '{purpose}'"
            )
        more = _gained(a.fields, b.fields) + _gained(a.columns, b.columns)
        if more or a.role != b.role or a.data_category != b.data_category or a.regions != b.regions:
            found.add(ChangeKind.CATEGORY_CHANGED, path, f"what '{b.name}' covers, or our role for it, changes")
        if _gained(b.fields, a.fields) or _gained(b.columns, a.columns):
            found.add(ChangeKind.CATEGORY_NARROWED, f"{path}.fields", f"'{b.name}' covers fewer fields")
        _retention(found, f"{path}.retention", b.name, a.retention, b.retention)
        handled = {"purposes", "fields", "columns", "role", "data_category", "regions", "retention"}
        _wording(found, path, a, b, handled=handled)


def _length(
    found: _Found, path: str, subject: str, old: Duration, new: Duration, *, kinds: tuple[ChangeKind, ...]
) -> None:
    longer, shorter = kinds
    if new.approx_days() > old.approx_days():
        found.add(longer, path, f"{subject} {new.words()} instead of {old.words()}")
    elif new.approx_days() < old.approx_days():
        found.add(shorter, path, f"{subject} {new.words()} instead of {old.words()}")


def _new_exception_kind(rule: Retention, exception: RetentionException) -> ChangeKind:
    """Whether a new exception keeps some data longer than its category's rule, or less long.

    Periods counted from different events compare only one way for certain: an exception
    no longer than the rule, counted from collection or from the rule's own event, ends no
    later than the rule would. Any other new exception may keep data longer.
    """
    sooner = exception.trigger in (Trigger.COLLECTED, rule.trigger)
    if sooner and exception.duration.approx_days() <= rule.duration.approx_days():
        return ChangeKind.RETENTION_SHORTER
    return ChangeKind.RETENTION_LONGER


def _retention(found: _Found, path: str, name: str, old: Retention | None, new: Retention | None) -> None:
    if old is None or new is None:
        if old != new:
            found.add(ChangeKind.RETENTION_CHANGED, path, f"the retention of '{name}' changes")
        return
    kinds = (ChangeKind.RETENTION_LONGER, ChangeKind.RETENTION_SHORTER)
    _length(found, f"{path}.period", f"'{name}' is kept for", old.duration, new.duration, kinds=kinds)
    if old.trigger != new.trigger or old.action != new.action:
        found.add(ChangeKind.RETENTION_CHANGED, path, f"when the period of '{name}' starts, or what ends it, changes")
    added, removed, common = _sides(old.exceptions, new.exceptions)
    for exception in added:
        found.add(
            _new_exception_kind(new, exception),
            f"{path}.exceptions.{exception.id}",
            f"a new exception keeps {exception.applies_to} for {exception.duration.words()}",
        )
    for exception in removed:
        found.add(
            ChangeKind.RETENTION_SHORTER,
            f"{path}.exceptions.{exception.id}",
            f"the legal exception for {exception.applies_to} ends",
        )
    for a, b in common:
        where = f"{path}.exceptions.{b.id}"
        _length(found, f"{where}.period", f"{b.applies_to} is kept for", a.duration, b.duration, kinds=kinds)
        if a.trigger != b.trigger or a.action != b.action or a.applies_to != b.applies_to:
            found.add(ChangeKind.RETENTION_CHANGED, where, f"the legal exception for {b.applies_to} changes")
        _wording(found, where, a, b, handled={"period", "trigger", "action", "applies_to"})
    _wording(found, path, old, new, handled={"period", "trigger", "action", "exceptions"})


def _purposes(found: _Found, old: Policy, new: Policy) -> None:
    added, removed, common = _sides(old.purposes, new.purposes)
    for purpose in added:
        found.add(ChangeKind.PURPOSE_ADDED, f"purposes.{purpose.id}", f"a new purpose: '{purpose.name}'")
    for purpose in removed:
        found.add(ChangeKind.PURPOSE_REMOVED, f"purposes.{purpose.id}", f"the purpose '{purpose.name}' is dropped")
    for a, b in common:
        path = f"purposes.{b.id}"
        if a.legal_basis != b.legal_basis:
            basis = b.legal_basis.plain if b.legal_basis else "none"
            found.add(ChangeKind.LEGAL_BASIS_CHANGED, f"{path}.legal_basis", f"'{b.name}' now rests on {basis}")
        if a.data_use != b.data_use:
            found.add(ChangeKind.PURPOSE_CHANGED, f"{path}.data_use", f"'{b.name}' changes in nature")
        _wording(found, path, a, b, handled={"legal_basis", "data_use"})


def _recipients(found: _Found, old: Policy, new: Policy) -> None:
    added, removed, common = _sides(old.recipients, new.recipients)
    for recipient in added:
        found.add(ChangeKind.RECIPIENT_ADDED, f"recipients.{recipient.id}", f"a new recipient: {recipient.name}")
    for recipient in removed:
        found.add(ChangeKind.RECIPIENT_REMOVED, f"recipients.{recipient.id}", f"{recipient.name} receives nothing")
    for a, b in common:
        path = f"recipients.{b.id}"
        for category in _gained(a.categories, b.categories):
            found.add(
                ChangeKind.RECIPIENT_CATEGORIES_ADDED, f"{path}.categories", f"{b.name} now receives '{category}'"
            )
        for purpose in _gained(a.purposes, b.purposes):
            found.add(
                ChangeKind.RECIPIENT_PURPOSES_ADDED, f"{path}.purposes", f"{b.name} now receives data for '{purpose}'"
            )
        if _gained(b.categories, a.categories) or _gained(b.purposes, a.purposes):
            found.add(ChangeKind.RECIPIENT_NARROWED, path, f"{b.name} receives less")
        if a.kind != b.kind:
            found.add(
                ChangeKind.RECIPIENT_CHANGED, f"{path}.kind", f"{b.name} is now a {b.kind.value.replace('_', '-')}"
            )
        if a.country != b.country or a.in_tenant_region != b.in_tenant_region:
            where = country_name(b.country) if b.country else "your business's region"
            found.add(ChangeKind.RECIPIENT_MOVED, f"{path}.country", f"{b.name} now processes data in {where}")
        _wording(found, path, a, b, handled={"categories", "purposes", "kind", "country", "in_tenant_region"})


def _transfers(found: _Found, old: Policy, new: Policy) -> None:
    added, removed, common = _sides(old.transfers.regions, new.transfers.regions)
    for region in [*added, *removed]:
        found.add(ChangeKind.TRANSFER_CHANGED, f"transfers.regions.{region.id}", "the regions we hold data in change")
    for a, b in common:
        path = f"transfers.regions.{b.id}"
        if set(a.countries) != set(b.countries) or a.law != b.law:
            found.add(ChangeKind.TRANSFER_CHANGED, path, f"what counts as {b.name}, or its law, changes")
        _wording(found, path, a, b, handled={"countries", "law"})
    added, removed, common = _sides(old.transfers.mechanisms, new.transfers.mechanisms)
    for mechanism in added:
        to = ", ".join(country_name(c) for c in mechanism.to)
        found.add(ChangeKind.TRANSFER_ADDED, f"transfers.mechanisms.{mechanism.id}", f"a new transfer to {to}")
    for mechanism in removed:
        found.add(ChangeKind.TRANSFER_REMOVED, f"transfers.mechanisms.{mechanism.id}", "a transfer ends")
    for a, b in common:
        path = f"transfers.mechanisms.{b.id}"
        if _gained(a.to, b.to) or _gained(a.recipients, b.recipients):
            found.add(ChangeKind.TRANSFER_ADDED, path, "a transfer now reaches more countries or recipients")
        if _gained(b.to, a.to) or _gained(b.recipients, a.recipients):
            found.add(ChangeKind.TRANSFER_REMOVED, path, "a transfer reaches fewer countries or recipients")
        if a.kind != b.kind or a.from_region != b.from_region:
            found.add(ChangeKind.TRANSFER_CHANGED, path, f"a transfer now relies on {b.kind.plain}")
        _wording(found, path, a, b, handled={"to", "recipients", "kind", "from"})


def _rights(found: _Found, old: Policy, new: Policy) -> None:
    added, removed, common = _sides(old.rights.laws, new.rights.laws)
    for law in added:
        found.add(ChangeKind.RIGHT_ADDED, f"rights.laws.{law.id}", f"you now have rights under {law.name}")
    for law in removed:
        found.add(ChangeKind.RIGHT_REMOVED, f"rights.laws.{law.id}", f"we no longer apply {law.name}")
    deadlines = (ChangeKind.DEADLINE_LONGER, ChangeKind.DEADLINE_SHORTER)
    for a, b in common:
        path = f"rights.laws.{b.id}"
        if _gained(a.regions, b.regions):
            found.add(ChangeKind.RIGHT_ADDED, f"{path}.regions", f"{b.short_name} rights reach more regions")
        if _gained(b.regions, a.regions):
            found.add(ChangeKind.RIGHT_REMOVED, f"{path}.regions", f"{b.short_name} rights reach fewer regions")
        for key in ("respond_within", "extension", "extension_notice_within"):
            before, after = getattr(a, key), getattr(b, key)
            if before == after:
                continue
            subject = f"{b.short_name}: {key.replace('_', ' ')}"
            if before is None or after is None:
                kind = deadlines[0] if after is not None else deadlines[1]
                found.add(kind, f"{path}.{key}", f"{subject} {'added' if after else 'removed'}")
            else:
                _length(found, f"{path}.{key}", subject, Duration.parse(before), Duration.parse(after), kinds=deadlines)
        ack_before, ack_after = a.acknowledge_within_business_days, b.acknowledge_within_business_days
        if ack_before != ack_after:
            longer = ack_after is None or (ack_before is not None and ack_after > ack_before)
            found.add(
                deadlines[0] if longer else deadlines[1], f"{path}.acknowledge", f"{b.short_name}: acknowledgement"
            )
        handled = {
            "regions",
            "respond_within",
            "extension",
            "extension_notice_within",
            "acknowledge_within_business_days",
        }
        _wording(found, path, a, b, handled=handled)
    added, removed, common = _sides(old.rights.items, new.rights.items)
    for right in added:
        found.add(ChangeKind.RIGHT_ADDED, f"rights.items.{right.id}", f"a new right: {right.name}")
    for right in removed:
        found.add(ChangeKind.RIGHT_REMOVED, f"rights.items.{right.id}", f"the right of {right.name} is taken away")
    for a, b in common:
        path = f"rights.items.{b.id}"
        if _gained(a.laws, b.laws) or _gained(a.channels, b.channels):
            found.add(ChangeKind.RIGHT_ADDED, path, f"{b.name}: under more laws or through more channels")
        if _gained(b.laws, a.laws) or _gained(b.channels, a.channels):
            found.add(ChangeKind.RIGHT_REMOVED, path, f"{b.name}: under fewer laws or through fewer channels")
        _wording(found, path, a, b, handled={"laws", "channels"})


def _security(found: _Found, old: Policy, new: Policy) -> None:
    added, removed, common = _sides(old.security.controls, new.security.controls)
    for control in added:
        found.add(ChangeKind.SECURITY_CONTROL_ADDED, f"security.{control.id}", f"a new measure: {control.name}")
    for control in removed:
        found.add(ChangeKind.SECURITY_CONTROL_REMOVED, f"security.{control.id}", f"a measure withdrawn: {control.name}")
    for a, b in common:
        _wording(found, f"security.{b.id}", a, b)


def _contact(found: _Found, old: Policy, new: Policy) -> None:
    a, b = old.controller, new.controller
    if (a.name, a.legal_name, a.addresses) != (b.name, b.legal_name, b.addresses):
        found.add(
            ChangeKind.CONTROLLER_CHANGED, "controller", "who is responsible for your information, or where, changes"
        )
    _wording(found, "controller", a, b, handled={"name", "legal_name", "addresses"})
    added, removed, common = _sides(old.channels, new.channels)
    for channel in added:
        found.add(ChangeKind.CHANNEL_ADDED, f"channels.{channel.id}", f"a new way to reach us: {channel.name}")
    for channel in removed:
        found.add(ChangeKind.CHANNEL_REMOVED, f"channels.{channel.id}", f"a way to reach us withdrawn: {channel.name}")
    for a_channel, b_channel in common:
        path = f"channels.{b_channel.id}"
        where = ("kind", "email", "path", "address")
        if any(getattr(a_channel, key) != getattr(b_channel, key) for key in where):
            found.add(ChangeKind.CONTROLLER_CHANGED, path, f"how to reach us by {b_channel.name} changes")
        _wording(found, path, a_channel, b_channel, handled=where)
