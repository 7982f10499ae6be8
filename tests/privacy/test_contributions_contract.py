"""One contract, run over every registered contribution, with one person held everywhere.

locate finds nothing for an unknown address and finds the person; export sections are
well formed (records valid against their schema, tabular ones uniform and scalar);
correction and erasure work and erasing twice gives the same lines; nothing personal
reaches the audit chain.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import select

from omniwise.audit.models import AuditEvent
from omniwise.config import Settings
from omniwise.privacy.contract import (
    Contribution,
    ExportSection,
    Holding,
    RequestType,
    ZendeskInstruction,
    all_contributions,
)
from tests.privacy.seed import Seeded, seeded_platform, step

# the contributions that hold the seeded person; the others document why they can hold no one
HOLDING = {"billing", "contacts", "devices", "messaging", "usage", "users", "zendesk"}
NEVER = {"consent", "tenants"}
JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "boolean": (bool,),
    "number": (int, float),
    "null": (type(None),),
}


def check_record(schema: Mapping[str, Any], item: Mapping[str, Any]) -> None:
    """The record against its schema: with jsonschema when installed, else keys and types by hand."""
    try:
        import jsonschema  # type: ignore[import-untyped]
    except ImportError:
        jsonschema = None
    if jsonschema is not None:
        jsonschema.validate(item, schema)
        return
    assert schema["type"] == "object"
    assert set(schema["required"]) <= set(item)
    if schema.get("additionalProperties") is False:
        assert set(item) <= set(schema["properties"])
    for key, value in item.items():
        kinds = schema["properties"][key]["type"]
        allowed = tuple(t for kind in ([kinds] if isinstance(kinds, str) else kinds) for t in JSON_TYPES[kind])
        assert isinstance(value, allowed), key
        assert not isinstance(value, bool) or bool in allowed, key  # True is an int to Python, not to JSON


def check_section(section: ExportSection) -> int:
    assert section.name == section.name.lower()
    assert section.name.replace("_", "").isalnum()
    assert section.schema["type"] == "object"
    records = list(section.records)
    for item in records:
        check_record(section.schema, item)
        json.dumps(item)
    if section.tabular:
        assert len({tuple(item) for item in records}) <= 1  # the same keys, in the same order
        assert all(isinstance(v, (str, int, float, bool, type(None))) for item in records for v in item.values())
    return len(records)


@pytest.fixture
def seeded(settings: Settings) -> Any:
    with seeded_platform(settings) as platform:
        yield platform


def locate_all(seeded: Seeded, email: str) -> dict[str, list[Holding]]:
    with step(seeded.runtime, RequestType.ACCESS) as ctx:
        return {c.name: c.locate(ctx, email=email, tenant_id=seeded.tenant_id) for c in all_contributions()}


def test_every_contribution_keeps_the_contract(seeded: Seeded) -> None:
    contributions: list[Contribution] = all_contributions()
    assert {c.name for c in contributions} == HOLDING | NEVER

    unknown = locate_all(seeded, "nobody-here@example.org")
    assert all(found == [] for found in unknown.values())

    found = locate_all(seeded, seeded.email.upper())  # the same mailbox, however it is typed
    for name in HOLDING:
        assert found[name], name
        assert all(h.contribution == name and h.records >= 1 and seeded.email not in h.description for h in found[name])
    for name in NEVER:
        assert found[name] == []

    exported: dict[str, int] = {}
    with step(seeded.runtime, RequestType.ACCESS) as ctx:
        for contribution in contributions:
            for section in contribution.export(ctx, found[contribution.name]):
                exported[section.name] = check_section(section)
    assert exported["contacts"] == 1
    assert exported["billing_details"] == exported["invoices"] == 1
    assert exported["zendesk_users"] == 1
    assert exported["zendesk_tickets"] >= 1
    assert exported["zendesk_comments"] >= 2
    assert exported["messages"] == exported["promotional_opt_outs"] == 1
    assert exported["accounts"] == exported["usage_events"] == exported["devices"] == 1

    changes = {"name": "Ada Byron"}
    with step(seeded.runtime, RequestType.CORRECTION, changes=changes) as ctx:
        corrected = {c.name: c.correct(ctx, found[c.name]) for c in contributions}
    for name in ("billing", "contacts", "users", "zendesk"):
        assert "name" in next(c for c in contributions if c.name == name).correctable()
        assert any(line.action == "corrected" and line.count == 1 for line in corrected[name]), name

    request_id = uuid.uuid4()
    runs = []
    for _ in range(2):
        with step(
            seeded.runtime,
            RequestType.DELETION,
            request_id=request_id,
            instruction=ZendeskInstruction.DELETE_PERMANENTLY,
        ) as ctx:
            runs.append({c.name: c.erase(ctx, found[c.name]) for c in contributions})
    first, second = runs
    for name in HOLDING:
        shape = [(o.category, o.action, o.where) for o in first[name]]
        assert shape == [(o.category, o.action, o.where) for o in second[name]], name
        assert all(o.count >= 0 for o in first[name] + second[name])
    assert any(o.action == "kept" and o.reason and o.until for o in first["billing"])
    assert any(o.action == "kept" and o.reason and o.until for o in first["messaging"])
    assert sum(o.count for o in second["contacts"]) == 0

    after = locate_all(seeded, seeded.email)
    left = {name: holdings for name, holdings in after.items() if holdings}
    assert set(left) == {"messaging"}  # the opt-out, which outlives the person
    assert [h.category for h in left["messaging"]] == ["privacy_records"]

    with seeded.runtime.transaction() as session:
        trail = json.dumps([[e.name, e.details, e.object_id] for e in session.scalars(select(AuditEvent))], default=str)
    for value in (seeded.email, seeded.name, "Ada Byron", "+14155552671", "203.0.113.7", "Refund please", "Thanks"):
        assert value.casefold() not in trail.casefold()
