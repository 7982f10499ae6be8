"""Sealed at rest: encrypted chunks, tamper and truncation detected, atomic and idempotent, private modes."""

from __future__ import annotations

import json
import os
import stat
import struct
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from omniwise.errors import OmniwiseError
from omniwise.privacy.contract import ExportSection
from omniwise.privacy.export import ArchiveDamaged, ArchiveMissing, archive_path, delete_archive, open_archive
from omniwise.privacy.export.sealing import CHUNK_BYTES, HEADER_BYTES
from omniwise.runtime import Runtime
from tests.privacy.export.support import (
    CONTACT_SCHEMA,
    build,
    contact_records,
    contact_section,
    entry_text,
    holdings_for,
    make_tenant,
    read_zip,
    request_for,
)

LENGTH = struct.Struct(">I")


def _build(runtime: Runtime, request_id: uuid.UUID, contacts: int = 4000) -> Path:
    tenant_id = make_tenant(runtime)
    build(
        runtime,
        request_for(request_id, tenant_id),
        sections=[contact_section(contacts)],
        holdings=holdings_for(tenant_id, uuid.uuid4(), contacts=contacts, tickets=0)[:1],
    )
    return archive_path(runtime, request_id)


def _chunk_offsets(data: bytes) -> list[tuple[int, int]]:
    """(offset, length) of each sealed chunk, length prefix included."""
    offsets, at = [], HEADER_BYTES
    while at < len(data):
        (size,) = LENGTH.unpack_from(data, at)
        offsets.append((at, LENGTH.size + size))
        at += LENGTH.size + size
    assert at == len(data)
    return offsets


def _open_all(runtime: Runtime, request_id: uuid.UUID) -> bytes:
    return b"".join(open_archive(runtime, request_id))


def test_the_file_is_sealed_in_several_chunks_and_reads_back(runtime: Runtime) -> None:
    request_id = uuid.uuid4()
    path = _build(runtime, request_id)
    sealed = path.read_bytes()
    assert len(_chunk_offsets(sealed)) >= 3
    plain = _open_all(runtime, request_id)
    assert plain.startswith(b"PK")
    assert b"PK" not in sealed[:HEADER_BYTES]
    assert b"person1@example.org" not in sealed  # nothing of the records is readable at rest
    assert b"contacts.json" not in sealed  # not even the names of the files
    archive = read_zip(runtime, request_id)
    assert len(json.loads(entry_text(archive, "contacts.json"))) == 4000


def test_modes_are_private(runtime: Runtime) -> None:
    path = _build(runtime, uuid.uuid4(), contacts=10)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.parent == runtime.settings.data_dir / "exports"
    assert path.name.endswith(".zip.sealed")


@pytest.mark.parametrize("where", ["header", "first", "middle", "last"])
def test_a_changed_byte_anywhere_is_detected(runtime: Runtime, where: str) -> None:
    request_id = uuid.uuid4()
    path = _build(runtime, request_id)
    data = bytearray(path.read_bytes())
    chunks = _chunk_offsets(bytes(data))
    position = {
        "header": 10,
        "first": chunks[0][0] + 40,
        "middle": chunks[len(chunks) // 2][0] + 100,
        "last": len(data) - 1,
    }[where]
    data[position] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ArchiveDamaged) as raised:
        open_archive(runtime, request_id)
    assert isinstance(raised.value, OmniwiseError)
    assert str(request_id) in raised.value.detail


def test_truncation_at_a_chunk_boundary_is_detected(runtime: Runtime) -> None:
    request_id = uuid.uuid4()
    path = _build(runtime, request_id)
    data = path.read_bytes()
    last_offset, _ = _chunk_offsets(data)[-1]
    path.write_bytes(data[:last_offset])  # every remaining chunk is intact, but the last one is gone
    with pytest.raises(ArchiveDamaged):
        open_archive(runtime, request_id)


def test_truncation_inside_a_chunk_and_appended_bytes_are_detected(runtime: Runtime) -> None:
    request_id = uuid.uuid4()
    path = _build(runtime, request_id)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 5])
    with pytest.raises(ArchiveDamaged):
        open_archive(runtime, request_id)
    path.write_bytes(data + data[HEADER_BYTES:])  # the chunks once more, after the last
    with pytest.raises(ArchiveDamaged):
        open_archive(runtime, request_id)


def test_reordered_chunks_are_detected(runtime: Runtime) -> None:
    request_id = uuid.uuid4()
    path = _build(runtime, request_id)
    data = path.read_bytes()
    (a, a_len), (b, b_len) = _chunk_offsets(data)[:2]
    assert a_len == b_len  # full chunks, same size: a swap keeps the layout valid
    swapped = data[:a] + data[b : b + b_len] + data[a : a + a_len] + data[b + b_len :]
    path.write_bytes(swapped)
    with pytest.raises(ArchiveDamaged):
        open_archive(runtime, request_id)


def test_an_archive_of_another_request_does_not_open_under_this_id(runtime: Runtime) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    _build(runtime, first, contacts=10)
    path = _build(runtime, second, contacts=10)
    archive_path(runtime, first).replace(path)
    with pytest.raises(ArchiveDamaged):
        open_archive(runtime, second)


def test_damage_is_reported_before_any_byte_is_given_out(runtime: Runtime) -> None:
    request_id = uuid.uuid4()
    path = _build(runtime, request_id)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01  # only the last chunk is damaged
    path.write_bytes(bytes(data))
    with pytest.raises(ArchiveDamaged):
        open_archive(runtime, request_id)  # raised on the call itself, not after the first chunks streamed


def test_building_again_replaces_the_archive_and_leaves_no_temporary_file(runtime: Runtime) -> None:
    request_id = uuid.uuid4()
    path = _build(runtime, request_id, contacts=10)
    first = path.read_bytes()
    _build(runtime, request_id, contacts=25)
    assert path.read_bytes() != first
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    archive = read_zip(runtime, request_id)
    assert len(json.loads(entry_text(archive, "contacts.json"))) == 25


def test_a_build_that_fails_half_way_keeps_the_previous_archive(runtime: Runtime) -> None:
    request_id = uuid.uuid4()
    path = _build(runtime, request_id, contacts=10)
    before = _open_all(runtime, request_id)

    def failing() -> Iterator[dict[str, object]]:
        yield from contact_records(3000)
        raise RuntimeError("worker stopped")

    section = ExportSection("contacts", "contact_information", "Contacts", CONTACT_SCHEMA, failing())
    with pytest.raises(RuntimeError, match="worker stopped"):
        build(runtime, request_for(request_id, None), sections=[section], holdings=[])
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
    assert _open_all(runtime, request_id) == before


def test_delete_archive(runtime: Runtime) -> None:
    request_id = uuid.uuid4()
    path = _build(runtime, request_id, contacts=10)
    assert delete_archive(runtime, request_id) is True
    assert not path.exists()
    assert delete_archive(runtime, request_id) is False
    with pytest.raises(ArchiveMissing) as raised:
        open_archive(runtime, request_id)
    assert raised.value.status_code == 404


def test_a_small_archive_fits_one_chunk_and_still_opens(runtime: Runtime) -> None:
    request_id = uuid.uuid4()
    path = _build(runtime, request_id, contacts=0)
    assert len(_chunk_offsets(path.read_bytes())) == 1
    assert len(_open_all(runtime, request_id)) < CHUNK_BYTES


def test_leftovers_of_a_killed_build_are_removed_by_the_next_build_and_by_delete(runtime: Runtime) -> None:
    request_id = uuid.uuid4()
    path = _build(runtime, request_id, contacts=10)
    stale = path.parent / f".{path.name}.0123456789abcdef.tmp"
    fresh = path.parent / f".{path.name}.fedcba9876543210.tmp"  # perhaps a build running right now
    for leftover in (stale, fresh):
        leftover.write_bytes(b"half an archive")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    _build(runtime, request_id, contacts=10)
    assert not stale.exists()
    assert fresh.exists()
    assert delete_archive(runtime, request_id) is True
    assert list(path.parent.iterdir()) == []
