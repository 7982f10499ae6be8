"""Writing one section of an archive: its JSON array, its JSON Schema and, when tabular, its CSV.

A section's records are iterated exactly once (they may stream from the database), and
each goes to the JSON entry and the CSV at the same time. A ZIP takes one entry at a time,
so the CSV rows wait in a `Spool` (a nameless temporary file, encrypted under a key that
lives only in memory) and are copied into the archive once the JSON entry is closed:
memory stays at a few buffers whatever the number of records, and no plain personal data
is ever written to disk.
"""

from __future__ import annotations

import csv
import enum
import io
import json
import re
import secrets
import tempfile
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from omniwise.privacy.contract import ExportSection

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
SECTION_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
RESERVED_NAMES = frozenset({"summary", "readme"})
# a cell a spreadsheet could read as a formula: =1+1, +cmd, -2+3, @SUM, and tab/CR that some strip first
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SPOOL_CHUNK = 64 * 1024


def json_default(value: object) -> object:
    """Values a contribution may hand over that JSON has no type for, in their usual text form."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes | bytearray):
        raise TypeError("binary values cannot be exported as JSON")
    raise TypeError(f"a value of type {type(value).__name__} cannot be exported as JSON")


_ENCODER = json.JSONEncoder(ensure_ascii=False, default=json_default, separators=(",", ":"))
_BATCH = 256


def dumps(value: object) -> str:
    return _ENCODER.encode(value)


def guard_cell(text: str) -> str:
    """Neutralise CSV formula injection: a cell that starts like a formula is prefixed with a quote."""
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_cell(value: object) -> str:
    """One value as a CSV cell: scalars as JSON writes them, nested values as compact JSON, all guarded."""
    if isinstance(value, str):
        return guard_cell(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)  # a number is never a formula; -5 stays a number in a spreadsheet
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Mapping | list | tuple):
        return guard_cell(dumps(value))
    return csv_cell(json_default(value))


def check_name(name: str, seen: set[str]) -> None:
    if not SECTION_NAME.match(name) or name in RESERVED_NAMES:
        raise ValueError(f"export section name {name!r} is not a lower-case file stem of its own")
    if name in seen:
        raise ValueError(f"export section name {name!r} is used twice")
    seen.add(name)


def schema_document(section: ExportSection, *, description: str) -> dict[str, Any]:
    """The JSON Schema of `<name>.json`: an array of the section's records (draft 2020-12)."""
    record = dict(section.schema)
    record.pop("$schema", None)
    record.pop("$id", None)
    definitions = record.pop("$defs", None)
    document: dict[str, Any] = {
        "$schema": DRAFT_2020_12,
        "title": section.title,
        "description": description,
        "type": "array",
        "items": record,
    }
    if definitions:
        document["$defs"] = definitions  # references such as "#/$defs/x" still resolve from the root
    return document


def csv_columns(section: ExportSection) -> list[str]:
    properties = section.schema.get("properties")
    if not isinstance(properties, Mapping) or not properties:
        raise ValueError(f"tabular export section {section.name!r} has a schema without properties")
    return [str(key) for key in properties]


class _Sink(Protocol):
    def write(self, data: bytes, /) -> int: ...


class Spool:
    """A nameless temporary file holding text encrypted under a key that exists only in memory."""

    def __init__(self, folder: Path) -> None:
        self._file: BinaryIO = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 - closed by `close`
        self._aead = AESGCM(AESGCM.generate_key(bit_length=256))
        self._prefix = secrets.token_bytes(4)
        self._index = 0
        self._buffer = io.StringIO()
        self._buffered = 0

    def write(self, text: str) -> int:
        self._buffer.write(text)
        self._buffered += len(text)
        if self._buffered >= _SPOOL_CHUNK:
            self._seal()
        return len(text)

    def _seal(self) -> None:
        plain = self._buffer.getvalue().encode()
        self._buffer = io.StringIO()
        self._buffered = 0
        if not plain:
            return
        sealed = self._aead.encrypt(self._prefix + self._index.to_bytes(8, "big"), plain, None)
        self._file.write(len(sealed).to_bytes(4, "big") + sealed)
        self._index += 1

    def copy_to(self, target: _Sink) -> None:
        self._seal()
        self._file.seek(0)
        for index in range(self._index):
            size = int.from_bytes(self._file.read(4), "big")
            nonce = self._prefix + index.to_bytes(8, "big")
            target.write(self._aead.decrypt(nonce, self._file.read(size), None))

    def close(self) -> None:
        self._file.close()


@dataclass(frozen=True)
class WrittenSection:
    name: str
    category: str
    title: str
    records: int
    files: list[str]


def _records_json(section: ExportSection, entry: io.TextIOBase, spool: Spool | None, columns: list[str]) -> int:
    """Write the JSON array to `entry` and the CSV rows to `spool`, a batch of records at a time."""
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\r\n")
    if spool is not None:
        writer.writerow([guard_cell(column) for column in columns])
    known = set(columns)
    encode = _ENCODER.encode
    parts: list[str] = ["["]
    count = 0
    for record in section.records:
        parts.append(",\n" if count else "\n")
        parts.append(encode(record))
        if spool is not None:
            if not known.issuperset(record):
                raise ValueError(f"export section {section.name!r} has a record with keys outside its schema")
            writer.writerow([csv_cell(record.get(column)) for column in columns])
        count += 1
        if count % _BATCH == 0:  # bounded buffers: a batch of records, never the section
            entry.write("".join(parts))
            parts.clear()
            if spool is not None:
                spool.write(rows.getvalue())
                rows.seek(0)
                rows.truncate()
    parts.append("\n]\n" if count else "]\n")
    entry.write("".join(parts))
    if spool is not None:
        spool.write(rows.getvalue())
    return count


def write_section(
    archive: zipfile.ZipFile, section: ExportSection, *, description: str, folder: Path
) -> WrittenSection:
    """Stream one section into the archive; return what was written, with its record count."""
    columns = csv_columns(section) if section.tabular else []
    files = [f"{section.name}.json", f"{section.name}.schema.json"]
    spool = Spool(folder) if section.tabular else None
    try:
        with (
            archive.open(files[0], "w", force_zip64=True) as raw,
            io.TextIOWrapper(raw, encoding="utf-8", newline="\n", write_through=False) as entry,
        ):
            count = _records_json(section, entry, spool, columns)
        with archive.open(files[1], "w", force_zip64=True) as raw:
            document = schema_document(section, description=description)
            raw.write((json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode())
        if spool is not None:
            files.append(f"{section.name}.csv")
            with archive.open(files[2], "w", force_zip64=True) as raw:
                spool.copy_to(raw)
    finally:
        if spool is not None:
            spool.close()
    return WrittenSection(section.name, section.category, section.title, count, files)
