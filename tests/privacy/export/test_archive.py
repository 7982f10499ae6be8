"""The archive: its files, the JSON against its schema, the CSV and its injection guard."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid

import jsonschema
import pytest

from omniwise.privacy.contract import ExportSection, RequestType
from omniwise.privacy.export import ArchiveRequest, open_archive
from omniwise.runtime import Runtime
from tests.privacy.export.support import (
    CONTACT_SCHEMA,
    TRICKY_NOTES,
    build,
    contact_section,
    entry_text,
    holdings_for,
    make_tenant,
    read_zip,
    request_for,
    ticket_section,
)


def _built(runtime: Runtime, contacts: int = 50, tickets: int = 7) -> tuple[uuid.UUID, bytes]:
    tenant_id = make_tenant(runtime)
    request_id = uuid.uuid4()
    info = build(
        runtime,
        request_for(request_id, tenant_id),
        sections=[contact_section(contacts), ticket_section(tickets)],
        holdings=holdings_for(tenant_id, uuid.uuid4(), contacts=contacts, tickets=tickets),
    )
    assert info.request_id == request_id
    return request_id, b"".join(open_archive(runtime, request_id))


def test_archive_holds_json_schema_and_csv_for_every_section(runtime: Runtime) -> None:
    tenant_id = make_tenant(runtime)
    request_id = uuid.uuid4()
    info = build(
        runtime,
        request_for(request_id, tenant_id),
        sections=[contact_section(50), ticket_section(7)],
        holdings=holdings_for(tenant_id, uuid.uuid4(), contacts=50, tickets=7),
    )
    archive = read_zip(runtime, request_id)
    assert archive.testzip() is None
    names = archive.namelist()
    assert sorted(names) == sorted(info.files)
    for stem in ("contacts", "zendesk_tickets"):
        assert f"{stem}.json" in names
        assert f"{stem}.schema.json" in names
    assert "contacts.csv" in names
    assert "zendesk_tickets.csv" not in names  # not tabular: its records nest comments
    assert {"summary.html", "summary.json", "README.txt"} <= set(names)

    plain = b"".join(open_archive(runtime, request_id))
    assert info.size == len(plain)
    assert info.sha256 == hashlib.sha256(plain).hexdigest()


def test_every_json_file_validates_against_its_schema(runtime: Runtime) -> None:
    request_id, _ = _built(runtime)
    archive = read_zip(runtime, request_id)
    for stem, count in (("contacts", 50), ("zendesk_tickets", 7)):
        schema = json.loads(entry_text(archive, f"{stem}.schema.json"))
        data = json.loads(entry_text(archive, f"{stem}.json"))
        jsonschema.Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["title"]
        assert schema["description"]
        jsonschema.Draft202012Validator(schema).validate(data)
        assert len(data) == count
        # the schema does constrain: a record with a wrong type fails it
        broken = [dict(data[0])]
        first_key = next(iter(broken[0]))
        broken[0][first_key] = {"not": "valid"}
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.Draft202012Validator(schema).validate(broken)


def test_schema_description_comes_from_the_policy_category(runtime: Runtime) -> None:
    request_id, _ = _built(runtime)
    archive = read_zip(runtime, request_id)
    schema = json.loads(entry_text(archive, "contacts.schema.json"))
    declared = runtime.policy.categories_by_id["contact_information"].description
    assert schema["description"] == " ".join(declared.split())
    assert schema["title"] == "Your contact details"


def test_csv_is_well_formed_in_schema_order_and_guarded_against_formulas(runtime: Runtime) -> None:
    request_id, _ = _built(runtime, contacts=70)
    archive = read_zip(runtime, request_id)
    text = entry_text(archive, "contacts.csv")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(CONTACT_SCHEMA["properties"])
    body = rows[1:]
    assert len(body) == 70
    assert all(len(row) == len(rows[0]) for row in body)
    records = json.loads(entry_text(archive, "contacts.json"))
    note = rows[0].index("note")
    for row, record in zip(body, records, strict=True):
        cell = row[note]
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        if record["note"].startswith(("=", "+", "-", "@", "\t")):
            assert cell == "'" + record["note"]
        else:
            assert cell == record["note"]  # commas, quotes and line breaks survive the round trip
        assert row[rows[0].index("id")] == record["id"]
        # an E.164 number starts with "+", which a spreadsheet would evaluate: guarded too
        assert row[rows[0].index("phone")] == ("'" + record["phone"] if record["phone"] else "")
        assert row[rows[0].index("active")] == ("true" if record["active"] else "false")
        assert float(row[rows[0].index("score")]) == record["score"]  # numbers stay numbers, even negative
    assert {r["note"] for r in records} == set(TRICKY_NOTES)


def test_a_section_with_no_records_is_an_empty_array(runtime: Runtime) -> None:
    tenant_id = make_tenant(runtime)
    request_id = uuid.uuid4()
    build(
        runtime,
        request_for(request_id, tenant_id),
        sections=[contact_section(0)],
        holdings=holdings_for(tenant_id, uuid.uuid4(), contacts=0, tickets=0)[:1],
    )
    archive = read_zip(runtime, request_id)
    assert json.loads(entry_text(archive, "contacts.json")) == []
    assert list(csv.reader(io.StringIO(entry_text(archive, "contacts.csv")))) == [list(CONTACT_SCHEMA["properties"])]


def test_a_tabular_record_with_keys_outside_its_schema_is_refused(runtime: Runtime) -> None:
    tenant_id = make_tenant(runtime)
    section = ExportSection(
        name="contacts",
        category="contact_information",
        title="Contacts",
        schema=CONTACT_SCHEMA,
        records=iter([{"id": "1", "unexpected": "x"}]),
    )
    with pytest.raises(ValueError, match="outside its schema"):
        build(runtime, request_for(uuid.uuid4(), tenant_id), sections=[section], holdings=[])


@pytest.mark.parametrize("name", ["Contacts", "../x", "summary", "a b", ""])
def test_section_names_must_be_plain_file_stems(runtime: Runtime, name: str) -> None:
    section = ExportSection(name=name, category="contact_information", title="t", schema=CONTACT_SCHEMA, records=[])
    with pytest.raises(ValueError, match="file stem"):
        build(runtime, request_for(uuid.uuid4(), None), sections=[section], holdings=[])


def test_only_access_and_portability_requests_have_an_archive(runtime: Runtime) -> None:
    request = ArchiveRequest(
        uuid.uuid4(), RequestType.DELETION, "gdpr", request_for(uuid.uuid4(), None).received_at, None
    )
    with pytest.raises(ValueError, match="no archive"):
        build(runtime, request, sections=[], holdings=[])
