"""What every domain contributes to a privacy request, and what the request engine gives it.

A privacy request is carried out across the whole platform: the platform's own store
(contacts, tenants, users, usage, consent, messaging), Zendesk and Stripe. The engine
does not know these domains; each one has a `privacy.py` module (found on disk, as
`tasks.py` and `sweepers.py` are) that registers a `Contribution` with `contribution()`.
The engine calls, for one person:

1. `locate`: where the domain holds their data (ids and counts, never values);
2. then, by request type, `export`, `erase`, `correct` or `opt_out` over those holdings.

Every call is made inside one step of the request's workflow, in the step's transaction,
and must be idempotent: a worker killed half-way runs the step again from the start, so
a second `erase` after a first that committed finds nothing left and reports the same
outcome lines with `count=0`, or (better) reports what it can still see of the first run.
Calls to outside systems (Zendesk, Stripe) must tolerate "already done" (404 on delete).
"""

from __future__ import annotations

import importlib
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from omniwise.auth.actor import Actor
from omniwise.errors import ValidationFailed
from omniwise.runtime import Runtime


class RequestType(StrEnum):
    ACCESS = "access"  # what we hold and why (Article 15): the archive with its summary
    PORTABILITY = "portability"  # a machine-readable copy (Article 20): the same archive
    CORRECTION = "correction"
    DELETION = "deletion"
    OPT_OUT = "opt_out"  # promotional messages


class SubjectRole(StrEnum):
    """Whose instruction a holding follows: ours (controller) or its tenant's (processor)."""

    CONTROLLER = "controller"
    PROCESSOR = "processor"


class ZendeskInstruction(StrEnum):
    """What a tenant instructs for a customer's tickets when approving a deletion."""

    REDACT = "redact"  # redact the person's comments, keep the tickets
    DELETE = "delete"  # delete the tickets they requested
    DELETE_PERMANENTLY = "delete_permanently"


@dataclass(frozen=True)
class Holding:
    """One place the platform holds a person's data. Ids and counts only, never values.

    `key` identifies the holding inside its contribution (e.g. a contact's id, or
    "<connection id>:<zendesk user id>"); the engine stores holdings with the request
    and hands them back, unchanged, to `export`/`erase`/`correct`/`opt_out`.
    """

    contribution: str  # the registering contribution's name
    category: str  # a policy category id (policy/privacy-policy.yaml `categories[].id`)
    role: SubjectRole
    tenant_id: uuid.UUID | None
    subject_id: uuid.UUID | None
    key: str
    records: int  # how many rows/objects, for the officer's view
    description: str  # "contact of tenant <id>", "Zendesk user 123 on connection <id>" (no personal data)


@dataclass(frozen=True)
class ExportSection:
    """One file of the archive: `<name>.json` (+ `<name>.schema.json`, + `<name>.csv` if tabular).

    `records` is iterated once, while the archive is written, so it may stream rows from
    the database. Every record is a flat-ish JSON object conforming to `schema` (a JSON
    Schema, draft 2020-12, describing ONE record). For tabular sections every record
    has the same keys with scalar values, so the CSV is well formed.
    """

    name: str  # file stem, lower-case, e.g. "contacts", "zendesk_tickets"
    category: str  # policy category id
    title: str  # human heading in the summary, e.g. "Your contact details"
    schema: Mapping[str, Any]
    records: Iterable[Mapping[str, Any]]
    tabular: bool = True


Action = Literal[
    "deleted", "kept", "corrected", "redacted", "suppressed", "anonymised", "exported", "not_found", "passed_on"
]


@dataclass(frozen=True)
class Outcome:
    """One line of a completion report: what was done, where, and for what is kept, why and until when."""

    contribution: str
    category: str
    action: Action
    where: str  # "platform database", "Zendesk (acme.zendesk.com)", "Stripe"
    count: int
    reason: str | None = None  # why kept (a legal exception from the policy) or not done
    until: date | None = None  # when what is kept goes


@dataclass(frozen=True)
class StepContext:
    """What a contribution works with inside one step (one transaction)."""

    session: Session
    runtime: Runtime
    actor: Actor  # the request's actor: a system actor acting on the request's behalf
    request_id: uuid.UUID
    request_type: RequestType
    purpose: str = "privacy_requests"
    # deletion of a business's customer (processor role): what its tenant instructed
    zendesk_instruction: ZendeskInstruction | None = None
    # correction: field name -> new value, as the requester gave it (validated by `correctable`)
    changes: Mapping[str, str] = field(default_factory=dict)


class Contribution(Protocol):
    """One domain's part in privacy requests. Register with `@contribution` in `<domain>/privacy.py`."""

    name: str  # "contacts", "zendesk", "billing", ...

    def locate(self, ctx: StepContext, *, email: str, tenant_id: uuid.UUID | None) -> list[Holding]:
        """Where the person with this (normalised) email is held; in one tenant, or in all when None."""
        ...

    def export(self, ctx: StepContext, holdings: list[Holding]) -> Iterator[ExportSection]:
        """The person's data in these holdings, for access and portability."""
        ...

    def erase(self, ctx: StepContext, holdings: list[Holding]) -> list[Outcome]:
        """Delete (or, where the law makes us keep it, restrict) the person's data in these holdings."""
        ...

    def correctable(self) -> Mapping[str, str]:
        """Fields a person may have corrected here: name -> human label ("name" -> "Name")."""
        ...

    def check_changes(self, changes: Mapping[str, str]) -> None:
        """Refuse, naming the field, a value `correct` would refuse (only keys from `correctable`).

        Called when the request is made, so that a typo is answered at once, beside its field,
        rather than found by a step days later, after the person has verified and left.
        """
        ...

    def correct(self, ctx: StepContext, holdings: list[Holding]) -> list[Outcome]:
        """Apply `ctx.changes` (only keys from `correctable`), pushing them to the recipients that hold them."""
        ...

    def opt_out(self, ctx: StepContext, holdings: list[Holding], *, email: str) -> list[Outcome]:
        """Stop promotional messages (only the messaging contribution does more than return [])."""
        ...


_contributions: dict[str, Contribution] = {}


def contribution(factory: Callable[[], Contribution]) -> Callable[[], Contribution]:
    """Register a contribution (decorate its class or a factory); names must be unique."""
    made = factory()
    existing = _contributions.get(made.name)
    if existing is not None and type(existing) is not type(made):
        raise ValueError(f"privacy contribution {made.name!r} is registered twice")
    _contributions[made.name] = made
    return factory


_loaded = False
_lock = threading.Lock()


def load_contributions() -> None:
    """Import every domain's `privacy` module once per process."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        package = Path(__file__).resolve().parent.parent
        for module in sorted(package.glob("*/privacy.py")):
            importlib.import_module(f"omniwise.{module.parent.name}.privacy")
        _loaded = True


def all_contributions() -> list[Contribution]:
    """Every registered contribution, in name order (the order steps run them)."""
    load_contributions()
    return [_contributions[name] for name in sorted(_contributions)]


def get_contribution(name: str) -> Contribution:
    load_contributions()
    try:
        return _contributions[name]
    except KeyError:
        raise KeyError(f"no privacy contribution named {name!r}") from None


# helpers for contributions: one record's JSON Schema, and values as JSON carries them

JsonType = Literal["string", "integer", "boolean", "number"]


def record_schema(title: str, properties: Mapping[str, tuple[JsonType, bool]]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one flat record: field -> (JSON type, may be null).

    Every field is required (a missing value is `null`), so a tabular section's records
    all have the same keys and its CSV has one column per field.
    """
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "type": "object",
        "properties": {
            name: {"type": [kind, "null"] if nullable else kind} for name, (kind, nullable) in properties.items()
        },
        "required": list(properties),
        "additionalProperties": False,
    }


SchemaT = TypeVar("SchemaT", bound=BaseModel)


def checked_changes(schema: type[SchemaT], wanted: Mapping[str, Any]) -> SchemaT:
    """Requested changes read by a part's own API schema, so a correction obeys the rules an edit does.

    A refused value raises `ValidationFailed` naming its correction field (a nested location
    such as the address's country reads `address_country`), never echoing the value.
    """
    try:
        return schema.model_validate(wanted)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = "_".join(str(part) for part in error["loc"]) or "changes"
        raise ValidationFailed(f"{name}: {error['msg'].removeprefix('Value error, ')}") from None


def iso(value: date | None) -> str | None:
    """A date or time as ISO 8601 text (times carry their UTC offset), or None."""
    return None if value is None else value.isoformat()
