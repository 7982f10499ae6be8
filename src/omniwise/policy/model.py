"""The schema of the privacy policy file: one typed model per section of the notice.

Fields that the linter must report in the notice's own terms ("a category has no
retention", "a purpose has no legal basis") are optional here, so that their absence
reaches the linter as a clear finding rather than a bare "field required".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from omniwise.policy.duration import Duration, check_duration

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
IsoDuration = Annotated[str, AfterValidator(check_duration)]


class LegalBasis(StrEnum):
    """The six lawful bases of Article 6(1) GDPR, with their KVKK counterparts."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTERESTS = "vital_interests"
    PUBLIC_TASK = "public_task"
    LEGITIMATE_INTERESTS = "legitimate_interests"

    @property
    def gdpr_article(self) -> str:
        letter = {
            "consent": "a",
            "contract": "b",
            "legal_obligation": "c",
            "vital_interests": "d",
            "public_task": "e",
            "legitimate_interests": "f",
        }[self.value]
        return f"Article 6(1)({letter}) GDPR"

    @property
    def kvkk_article(self) -> str:
        return {
            "consent": "Article 5(1) KVKK (explicit consent)",
            "contract": "Article 5(2)(c) KVKK",
            "legal_obligation": "Article 5(2)(ç) KVKK",
            "vital_interests": "Article 5(2)(b) KVKK",
            "public_task": "Article 5(2)(a) KVKK",
            "legitimate_interests": "Article 5(2)(f) KVKK",
        }[self.value]

    @property
    def plain(self) -> str:
        return {
            "consent": "your consent",
            "contract": "performing our contract with you",
            "legal_obligation": "complying with a legal obligation",
            "vital_interests": "protecting someone's vital interests",
            "public_task": "a task in the public interest",
            "legitimate_interests": "our legitimate interests",
        }[self.value]


class Role(StrEnum):
    CONTROLLER = "controller"
    PROCESSOR = "processor"


class RetentionAction(StrEnum):
    DELETE = "delete"
    ANONYMIZE = "anonymize"


class Trigger(StrEnum):
    """What starts a retention clock; the retention sweeps know each of these events."""

    COLLECTED = "collected"
    LAST_ACTIVITY = "last_activity"
    ACCOUNT_CLOSED = "account_closed"
    INTEGRATION_DISCONNECTED = "integration_disconnected"
    SUBSCRIPTION_ENDED = "subscription_ended"
    FINANCIAL_YEAR_END = "financial_year_end"
    REQUEST_CLOSED = "request_closed"

    @property
    def plain(self) -> str:
        return {
            "collected": "from when it is collected",
            "last_activity": "from the last activity it records",
            "account_closed": "after the business's account is closed",
            "integration_disconnected": "after the business disconnects Zendesk or uninstalls our app",
            "subscription_ended": "after the subscription ends",
            "financial_year_end": "from the end of the financial year it belongs to",
            "request_closed": "after the request is closed",
        }[self.value]


class RecipientKind(StrEnum):
    SUB_PROCESSOR = "sub_processor"
    PARTNER = "partner"
    AUTHORITY = "authority"


class MechanismKind(StrEnum):
    ADEQUACY = "adequacy"
    SCC = "scc"
    KVKK_STANDARD_CONTRACT = "kvkk_standard_contract"
    BCR = "bcr"

    @property
    def plain(self) -> str:
        return {
            "adequacy": "an adequacy decision",
            "scc": "the European Commission's Standard Contractual Clauses",
            "kvkk_standard_contract": "the standard contract of the Turkish Personal Data Protection Board",
            "bcr": "binding corporate rules",
        }[self.value]


class ChannelKind(StrEnum):
    EMAIL = "email"
    POST = "post"
    WEB = "web"


class ChangeKind(StrEnum):
    """Kinds of change between two versions of the policy, as the diff classifies them."""

    CATEGORY_ADDED = "category_added"
    CATEGORY_REMOVED = "category_removed"
    PURPOSE_ADDED = "purpose_added"
    PURPOSE_REMOVED = "purpose_removed"
    CATEGORY_PURPOSE_ADDED = "category_purpose_added"
    CATEGORY_PURPOSE_REMOVED = "category_purpose_removed"
    CATEGORY_CHANGED = "category_changed"
    CATEGORY_NARROWED = "category_narrowed"
    PURPOSE_CHANGED = "purpose_changed"
    LEGAL_BASIS_CHANGED = "legal_basis_changed"
    RECIPIENT_ADDED = "recipient_added"
    RECIPIENT_REMOVED = "recipient_removed"
    RECIPIENT_CATEGORIES_ADDED = "recipient_categories_added"
    RECIPIENT_PURPOSES_ADDED = "recipient_purposes_added"
    RECIPIENT_CHANGED = "recipient_changed"
    RECIPIENT_NARROWED = "recipient_narrowed"
    RECIPIENT_MOVED = "recipient_moved"
    TRANSFER_ADDED = "transfer_added"
    TRANSFER_REMOVED = "transfer_removed"
    TRANSFER_CHANGED = "transfer_changed"
    RETENTION_LONGER = "retention_longer"
    RETENTION_SHORTER = "retention_shorter"
    RETENTION_CHANGED = "retention_changed"
    RIGHT_ADDED = "right_added"
    RIGHT_REMOVED = "right_removed"
    DEADLINE_LONGER = "deadline_longer"
    DEADLINE_SHORTER = "deadline_shorter"
    SECURITY_CONTROL_ADDED = "security_control_added"
    SECURITY_CONTROL_REMOVED = "security_control_removed"
    CONTROLLER_CHANGED = "controller_changed"
    CHANNEL_ADDED = "channel_added"
    CHANNEL_REMOVED = "channel_removed"
    WORDING_CHANGED = "wording_changed"


# The issue that made the notice code names these as significant whatever a policy says;
# a policy may add kinds to its own list, never take these away.
MANDATORY_SIGNIFICANT = frozenset(
    {
        ChangeKind.CATEGORY_ADDED,
        ChangeKind.PURPOSE_ADDED,
        ChangeKind.RECIPIENT_ADDED,
        ChangeKind.TRANSFER_ADDED,
        ChangeKind.RETENTION_LONGER,
        ChangeKind.RIGHT_REMOVED,
    }
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Group(_Model):
    id: Id
    title: Text


class Sections(_Model):
    """The opening words of each of the notice's nine sections."""

    collection: Text
    use: Text
    sharing: Text
    security: Text
    retention: Text
    transfers: Text
    rights: Text
    changes: Text
    contact: Text


class NoticeText(_Model):
    title: Text
    subtitle: Text
    last_updated: date
    intro: Text
    groups: list[Group]
    sections: Sections


class Address(_Model):
    id: Id
    lines: Annotated[list[Text], Field(min_length=1)]
    country: CountryCode


class Controller(_Model):
    name: Text
    legal_name: Text
    description: Text
    addresses: Annotated[list[Address], Field(min_length=1)]


class Channel(_Model):
    id: Id
    kind: ChannelKind
    name: Text
    email: str | None = None
    path: str | None = None
    address: Id | None = None
    description: Text | None = None


class RetentionException(_Model):
    id: Id
    applies_to: Text
    period: IsoDuration
    trigger: Trigger
    action: RetentionAction
    law: Text

    @property
    def duration(self) -> Duration:
        return Duration.parse(self.period)


class Retention(_Model):
    period: IsoDuration
    trigger: Trigger
    action: RetentionAction
    note: Text | None = None
    exceptions: list[RetentionException] = []

    @property
    def duration(self) -> Duration:
        return Duration.parse(self.period)


class Category(_Model):
    id: Id
    name: Text
    group: Id
    description: Text
    data_category: str
    role: Role
    source: Text
    fields: Annotated[list[Text], Field(min_length=1)]
    columns: list[str] = []
    purposes: list[str] = []
    retention: Retention | None = None
    regions: list[str] | None = None
    note: Text | None = None


class Purpose(_Model):
    id: Id
    name: Text
    description: Text
    data_use: str
    legal_basis: LegalBasis | None = None
    interest: Text | None = None


class Recipient(_Model):
    id: Id
    name: Text
    kind: RecipientKind
    service: Text
    country: CountryCode | None = None
    in_tenant_region: bool = False
    categories: list[str] = []
    purposes: list[str] = []
    safeguard: Text | None = None


class Region(_Model):
    id: Id
    name: Text
    law: str
    countries: Annotated[list[CountryCode], Field(min_length=1)]


class Mechanism(_Model):
    id: Id
    kind: MechanismKind
    from_region: str = Field(alias="from")
    to: Annotated[list[CountryCode], Field(min_length=1)]
    recipients: list[str]
    instrument: Text


class Transfers(_Model):
    regions: Annotated[list[Region], Field(min_length=1)]
    mechanisms: list[Mechanism] = []


class Law(_Model):
    id: Id
    name: Text
    short_name: Text
    regions: list[str]
    respond_within: IsoDuration
    extension: IsoDuration | None = None
    extension_notice_within: IsoDuration | None = None
    acknowledge_within_business_days: Annotated[int, Field(ge=1)] | None = None
    authority: Text

    @property
    def respond_duration(self) -> Duration:
        return Duration.parse(self.respond_within)


class Right(_Model):
    id: Id
    name: Text
    description: Text
    laws: list[str]
    channels: list[str]


class Rights(_Model):
    laws: Annotated[list[Law], Field(min_length=1)]
    items: Annotated[list[Right], Field(min_length=1)]


class Control(_Model):
    id: Id
    name: Text
    description: Text
    check: Text


class Security(_Model):
    controls: Annotated[list[Control], Field(min_length=1)]


class Changes(_Model):
    significant: list[ChangeKind]
    notification: Text


class TransferRoute(_Model):
    """How data of a tenant's region reaches a recipient: in region, or under a mechanism."""

    in_region: bool
    mechanism: Mechanism | None = None

    @property
    def label(self) -> str:
        return "none_required" if self.in_region else self.mechanism.kind.value if self.mechanism else "none"


CookieName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


class Cookie(_Model):
    """One cookie (or similar browser storage) the platform's pages may set."""

    name: CookieName
    purpose: Text
    lifetime: IsoDuration

    @property
    def duration(self) -> Duration:
        return Duration.parse(self.lifetime)


class CookieGroup(_Model):
    """Strictly necessary, analytics, marketing: what a person accepts or refuses as one choice."""

    id: Id
    name: Text
    description: Text
    purpose: str
    consent: bool
    cookies: Annotated[list[Cookie], Field(min_length=1)]


class Cookies(_Model):
    """The cookies of the notice's section 1d, grouped as the consent banner offers them."""

    category: str
    groups: Annotated[list[CookieGroup], Field(min_length=1)]

    def canonical_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

    @property
    def sha256(self) -> str:
        """Changes when the declared cookies change, which is when a person is asked again."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()

    @property
    def consent_groups(self) -> list[CookieGroup]:
        return [g for g in self.groups if g.consent]


class Policy(_Model):
    format: Literal[1]
    notice: NoticeText
    controller: Controller
    channels: Annotated[list[Channel], Field(min_length=1)]
    categories: Annotated[list[Category], Field(min_length=1)]
    purposes: Annotated[list[Purpose], Field(min_length=1)]
    recipients: list[Recipient]
    transfers: Transfers
    rights: Rights
    security: Security
    changes: Changes
    cookies: Cookies | None = None

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy whose derived values (its hash, its lookups) are computed afresh, never copied stale."""
        copied = super().model_copy(update=update, deep=deep)
        for name, member in vars(Policy).items():
            if isinstance(member, cached_property):
                copied.__dict__.pop(name, None)
        return copied

    def canonical_json(self) -> str:
        """The content that is hashed and stored: independent of YAML layout and comments."""
        return json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True, separators=(",", ":"))

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()

    @classmethod
    def from_canonical(cls, content: str) -> Policy:
        data: Any = json.loads(content)
        return cls.model_validate(data)

    @cached_property
    def categories_by_id(self) -> dict[str, Category]:
        return {c.id: c for c in self.categories}

    @cached_property
    def purposes_by_id(self) -> dict[str, Purpose]:
        return {p.id: p for p in self.purposes}

    @cached_property
    def recipients_by_id(self) -> dict[str, Recipient]:
        return {r.id: r for r in self.recipients}

    @cached_property
    def regions_by_id(self) -> dict[str, Region]:
        return {r.id: r for r in self.transfers.regions}

    @cached_property
    def laws_by_id(self) -> dict[str, Law]:
        return {law.id: law for law in self.rights.laws}

    @cached_property
    def channels_by_id(self) -> dict[str, Channel]:
        return {c.id: c for c in self.channels}

    def allows(self, category: str, purpose: str) -> bool:
        """True when the category is declared and may serve the purpose."""
        found = self.categories_by_id.get(category)
        return found is not None and purpose in self.purposes_by_id and purpose in found.purposes

    def route(self, recipient: Recipient, region_id: str) -> TransferRoute | None:
        """How a region's data reaches a recipient; None when no mechanism covers it."""
        region = self.regions_by_id.get(region_id)
        if region is None:
            return None
        if recipient.in_tenant_region or (recipient.country is not None and recipient.country in region.countries):
            return TransferRoute(in_region=True)
        for mechanism in self.transfers.mechanisms:
            if (
                mechanism.from_region == region_id
                and recipient.country in mechanism.to
                and recipient.id in mechanism.recipients
            ):
                return TransferRoute(in_region=False, mechanism=mechanism)
        return None

    def regions_of(self, category: Category) -> list[str]:
        """The regions a category's data is held in: those it names, else every region."""
        return category.regions if category.regions is not None else [r.id for r in self.transfers.regions]
