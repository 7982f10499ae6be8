"""The facts Article 15 GDPR requires, gathered for one person from the policy and the disclosure records.

For each category of the person's data the archive holds: why it is used (purposes, with
their legal bases), what it is (the categories of data), who may receive it under the
policy and who actually received it (the disclosure records of the person's subject ids,
with dates), how long it is kept, where it came from, and how it may leave the region of
the business that holds it, with the safeguard. Then the person's rights, the authority
they may complain to, and what each file of the archive holds. `summary.html` and
`summary.json` are both rendered from one `Summary`, so they cannot say different things.

Where Omni Wise is a processor (a business's customers in its Zendesk data) the summary
names the business that is the controller, by its company name: business data, read
through the tenants service with the request's actor.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from omniwise.auth.actor import Actor
from omniwise.policy.model import Category, Law, LegalBasis, Policy, Recipient
from omniwise.privacy.contract import Holding, RequestType, SubjectRole
from omniwise.privacy.export.disclosed import Received, received
from omniwise.privacy.export.sections import WrittenSection
from omniwise.tenants.service import get_scoped_tenant


@dataclass(frozen=True)
class PurposeFact:
    id: str
    name: str
    description: str
    legal_basis: str | None
    legal_basis_text: str
    interest: str | None


@dataclass(frozen=True)
class RecipientFact:
    id: str
    name: str
    kind: str
    service: str
    country: str | None
    safeguard: str | None


@dataclass(frozen=True)
class TransferFact:
    region: str
    region_name: str
    recipient_id: str
    recipient_name: str
    route: str  # "in_region", a mechanism kind ("scc", ...), or "not_transferred"
    mechanism_id: str | None
    safeguard: str


@dataclass(frozen=True)
class ReceivedFact:
    recipient_id: str
    recipient_name: str
    purpose: str
    purpose_name: str
    legal_basis: str
    first_at: datetime
    last_at: datetime
    times: int
    transfers: list[TransferFact]


@dataclass(frozen=True)
class RetentionExceptionFact:
    applies_to: str
    period: str
    period_text: str
    trigger_text: str
    action: str
    law: str


@dataclass(frozen=True)
class RetentionFact:
    period: str
    period_text: str
    trigger: str
    trigger_text: str
    action: str
    note: str | None
    exceptions: list[RetentionExceptionFact]


@dataclass(frozen=True)
class BusinessFact:
    tenant_id: uuid.UUID
    name: str


@dataclass(frozen=True)
class HoldingFact:
    description: str
    records: int


@dataclass(frozen=True)
class CategoryFact:
    id: str
    name: str
    description: str
    fields: list[str]
    role: str
    controllers: list[BusinessFact]  # for the processor role: the businesses that are the controllers
    source: str
    purposes: list[PurposeFact]
    recipients: list[RecipientFact]
    received: list[ReceivedFact]
    retention: RetentionFact | None
    transfers: list[TransferFact]
    holdings: list[HoldingFact]
    files: list[str]


@dataclass(frozen=True)
class FileFact:
    name: str
    category: str | None
    records: int | None  # None for files that are not records (schemas, this summary)
    description: str


@dataclass(frozen=True)
class ControllerFact:
    name: str
    legal_name: str
    description: str
    addresses: list[list[str]]
    contact: list[str]


@dataclass(frozen=True)
class RightFact:
    id: str
    name: str
    description: str


@dataclass(frozen=True)
class ComplaintFact:
    laws: list[str]
    authorities: list[str]
    description: str


@dataclass(frozen=True)
class Summary:
    request_id: uuid.UUID
    request_type: str
    law: str
    law_name: str
    received_at: datetime
    generated_at: datetime
    policy_sha256: str
    controller: ControllerFact
    categories: list[CategoryFact]
    rights: list[RightFact]
    complaint: ComplaintFact
    files: list[FileFact]


def _legal_basis_text(basis: LegalBasis | None, law: Law | None) -> str:
    if basis is None:
        return "not stated"
    if law is not None and law.id == "gdpr":
        return f"{basis.plain} ({basis.gdpr_article})"
    if law is not None and law.id == "kvkk":
        return f"{basis.plain} ({basis.kvkk_article})"
    return basis.plain


def _purposes(policy: Policy, category: Category, law: Law | None) -> list[PurposeFact]:
    facts = []
    for purpose_id in category.purposes:
        purpose = policy.purposes_by_id.get(purpose_id)
        if purpose is None:
            continue
        basis = purpose.legal_basis
        facts.append(
            PurposeFact(
                purpose.id,
                purpose.name,
                purpose.description,
                basis.value if basis else None,
                _legal_basis_text(basis, law),
                purpose.interest,
            )
        )
    return facts


def _retention(category: Category) -> RetentionFact | None:
    rule = category.retention
    if rule is None:
        return None
    return RetentionFact(
        period=rule.period,
        period_text=rule.duration.words(),
        trigger=rule.trigger.value,
        trigger_text=rule.trigger.plain,
        action=rule.action.value,
        note=rule.note,
        exceptions=[
            RetentionExceptionFact(
                e.applies_to, e.period, e.duration.words(), e.trigger.plain, e.action.value, " ".join(e.law.split())
            )
            for e in rule.exceptions
        ],
    )


def _transfer(policy: Policy, recipient: Recipient, region: str, mechanism_id: str | None = None) -> TransferFact:
    region_name = policy.regions_by_id[region].name if region in policy.regions_by_id else region
    route = policy.route(recipient, region)
    if mechanism_id is not None:  # a recorded send names the mechanism it went under
        mechanism = next((m for m in policy.transfers.mechanisms if m.id == mechanism_id), None)
        if mechanism is not None:
            return TransferFact(
                region, region_name, recipient.id, recipient.name, mechanism.kind.value, mechanism.id,
                f"{mechanism.kind.plain}: {' '.join(mechanism.instrument.split())}",
            )  # fmt: skip
    if route is None:
        return TransferFact(
            region, region_name, recipient.id, recipient.name, "not_transferred", None,
            "No transfer mechanism covers this route, so the data is not sent there.",
        )  # fmt: skip
    if route.in_region or route.mechanism is None:
        safeguard = " ".join((recipient.safeguard or "").split())
        return TransferFact(
            region, region_name, recipient.id, recipient.name, "in_region", None,
            f"No transfer: the data stays in {region_name}. {safeguard}".strip(),
        )  # fmt: skip
    mechanism = route.mechanism
    return TransferFact(
        region, region_name, recipient.id, recipient.name, mechanism.kind.value, mechanism.id,
        f"{mechanism.kind.plain}: {' '.join(mechanism.instrument.split())}",
    )  # fmt: skip


def _recipient_fact(recipient: Recipient) -> RecipientFact:
    return RecipientFact(
        recipient.id,
        recipient.name,
        recipient.kind.value,
        recipient.service,
        recipient.country,
        " ".join(recipient.safeguard.split()) if recipient.safeguard else None,
    )


def _received_fact(policy: Policy, entry: Received) -> ReceivedFact:
    recipient = policy.recipients_by_id.get(entry.recipient_id)
    purpose = policy.purposes_by_id.get(entry.purpose)
    transfers = []
    if recipient is not None:
        for region, _label, mechanism_id in sorted(entry.routes, key=lambda r: (r[0], r[1], r[2] or "")):
            transfers.append(_transfer(policy, recipient, region, mechanism_id))
    return ReceivedFact(
        entry.recipient_id,
        recipient.name if recipient is not None else entry.recipient_id,
        entry.purpose,
        purpose.name if purpose is not None else entry.purpose,
        entry.legal_basis,
        entry.first_at,
        entry.last_at,
        entry.times,
        transfers,
    )


def _controller(policy: Policy) -> ControllerFact:
    addresses = [list(a.lines) for a in policy.controller.addresses]
    contact = []
    for channel in policy.channels:
        if channel.email:
            contact.append(f"{channel.name}: {channel.email}")
        elif channel.path:
            contact.append(f"{channel.name}: {channel.path}")
    return ControllerFact(
        policy.controller.name,
        policy.controller.legal_name,
        " ".join(policy.controller.description.split()),
        addresses,
        contact,
    )


def _complaint(policy: Policy, law: Law | None) -> ComplaintFact:
    right = next((r for r in policy.rights.items if r.id == "complaint"), None)
    laws = [law] if law is not None else list(policy.rights.laws)
    return ComplaintFact(
        [item.name for item in laws],
        [item.authority for item in laws],
        right.description if right is not None else "You may complain to a data protection authority.",
    )


def build_summary(
    session: Session,
    policy: Policy,
    *,
    actor: Actor,
    request_id: uuid.UUID,
    request_type: RequestType,
    law_id: str,
    received_at: datetime,
    generated_at: datetime,
    holdings: list[Holding],
    written: list[WrittenSection],
    extra_files: list[FileFact],
) -> Summary:
    """Everything the summary says, from the policy, the holdings, the files written and the disclosure records."""
    law = policy.laws_by_id.get(law_id)
    order = {c.id: i for i, c in enumerate(policy.categories)}
    present = {h.category for h in holdings} | {w.category for w in written}
    unknown = sorted(present - order.keys())
    if unknown:
        raise ValueError(f"export names categories the policy does not declare: {', '.join(unknown)}")

    tenants = {}
    for tenant_id in sorted({h.tenant_id for h in holdings if h.tenant_id is not None}):
        tenants[tenant_id] = get_scoped_tenant(session, actor=actor, tenant_id=tenant_id)

    subjects: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for holding in holdings:
        if holding.tenant_id is not None and holding.subject_id is not None:
            subjects[holding.tenant_id].add(holding.subject_id)
    receipts: dict[str, list[Received]] = defaultdict(list)
    for tenant_id, ids in sorted(subjects.items()):
        for entry in received(session, tenant_id=tenant_id, subject_ids=ids):
            receipts[entry.category].append(entry)

    categories = []
    for category in sorted((policy.categories_by_id[c] for c in present), key=lambda c: order[c.id]):
        held = [h for h in holdings if h.category == category.id]
        processor_tenants = sorted(
            {h.tenant_id for h in held if h.role is SubjectRole.PROCESSOR and h.tenant_id is not None}
        )
        regions = sorted({tenants[h.tenant_id].region for h in held if h.tenant_id is not None})
        if not regions:
            regions = policy.regions_of(category)
        recipients = [r for r in policy.recipients if category.id in r.categories]
        categories.append(
            CategoryFact(
                id=category.id,
                name=category.name,
                description=" ".join(category.description.split()),
                fields=list(category.fields),
                role=SubjectRole.PROCESSOR.value if processor_tenants else category.role.value,
                controllers=[BusinessFact(t, tenants[t].name) for t in processor_tenants],
                source=category.source,
                purposes=_purposes(policy, category, law),
                recipients=[_recipient_fact(r) for r in recipients],
                received=[_received_fact(policy, e) for e in receipts.get(category.id, [])],
                retention=_retention(category),
                transfers=[_transfer(policy, r, region) for region in regions for r in recipients],
                holdings=[HoldingFact(h.description, h.records) for h in held],
                files=[name for w in written if w.category == category.id for name in w.files],
            )
        )

    files = []
    for section in written:
        for name in section.files:
            is_schema = name.endswith(".schema.json")
            files.append(
                FileFact(
                    name,
                    section.category,
                    None if is_schema else section.records,
                    f"the JSON Schema of {section.name}.json" if is_schema else section.title,
                )
            )
    files.extend(extra_files)

    applicable = [r for r in policy.rights.items if law is None or law.id in r.laws]
    return Summary(
        request_id=request_id,
        request_type=request_type.value,
        law=law.id if law is not None else law_id,
        law_name=law.name if law is not None else law_id,
        received_at=received_at,
        generated_at=generated_at,
        policy_sha256=policy.sha256,
        controller=_controller(policy),
        categories=categories,
        rights=[RightFact(r.id, r.name, r.description) for r in applicable],
        complaint=_complaint(policy, law),
        files=files,
    )
