"""Constant memory: the archive of 200,000 records needs no more memory than that of 20,000."""

from __future__ import annotations

import gc
import tracemalloc
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from omniwise.privacy.contract import ExportSection
from omniwise.privacy.export import open_archive
from omniwise.runtime import Runtime
from tests.privacy.export.support import build, holdings_for, make_tenant, request_for

LIMIT = 4 * 1024 * 1024  # a few MB, whatever the number of records
SCHEMA = {
    "type": "object",
    "properties": {"n": {"type": "integer"}, "email": {"type": "string"}, "note": {"type": "string"}},
}


def _records(count: int) -> Iterator[dict[str, Any]]:
    """Lean generated records (tracing every allocation is slow), made one at a time and never kept."""
    for n in range(count):
        yield {"n": n, "email": f"person{n}@example.org", "note": "=1+1" if n % 2 else "note"}


def _section(count: int) -> ExportSection:
    return ExportSection("contacts", "contact_information", "Your contact details", SCHEMA, _records(count))


def _peak_building(runtime: Runtime, tenant_id: uuid.UUID, records: int) -> tuple[int, uuid.UUID]:
    request_id = uuid.uuid4()
    holdings = holdings_for(tenant_id, uuid.uuid4(), contacts=records, tickets=0)[:1]
    request = request_for(request_id, tenant_id)
    gc.collect()
    tracemalloc.start()
    try:
        info = build(runtime, request, sections=[_section(records)], holdings=holdings)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.size > records * 10  # the records really were written (compressed)
    return peak, request_id


def _peak_reading(runtime: Runtime, request_id: uuid.UUID) -> tuple[int, int]:
    gc.collect()
    tracemalloc.start()
    try:
        total = sum(len(chunk) for chunk in open_archive(runtime, request_id))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, total


# What is measured is the archive's own writing and reading, which the database does not
# take part in beyond a few small queries; tracing every allocation of 220,000 records
# takes half a minute, so this runs once, on the embedded database.
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_building_and_reading_use_constant_memory(runtime: Runtime) -> None:
    tenant_id = make_tenant(runtime)
    _peak_building(runtime, tenant_id, 1000)  # warm up: imports, templates, the key ring's caches
    small, small_id = _peak_building(runtime, tenant_id, 20_000)
    large, large_id = _peak_building(runtime, tenant_id, 200_000)
    assert small < LIMIT, f"peak {small} bytes for 20k records"
    assert large < LIMIT, f"peak {large} bytes for 200k records"
    assert large < small * 1.25 + 256 * 1024, f"peak grew from {small} to {large} bytes"

    small_read, small_size = _peak_reading(runtime, small_id)
    large_read, large_size = _peak_reading(runtime, large_id)
    assert large_size > 5 * small_size
    assert large_read < LIMIT
    assert large_read < small_read * 1.25 + 256 * 1024, f"reading peak grew from {small_read} to {large_read}"
