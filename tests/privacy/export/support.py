"""Builders for the export tests: a business, a person's holdings and sections, recorded disclosures."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from omniwise.auth.actor import SYSTEM
from omniwise.disclosures.service import disclose
from omniwise.privacy.contract import ExportSection, Holding, RequestType, StepContext, SubjectRole
from omniwise.privacy.export import ArchiveInfo, ArchiveRequest, build_archive, open_archive
from omniwise.runtime import Runtime
from omniwise.tenants.models import Tenant
from omniwise.tenants.schemas import Region, TenantCreate
from omniwise.tenants.service import create_tenant

CONTACT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "name": {"type": "string"},
        "email": {"type": "string"},
        "phone": {"type": ["string", "null"]},
        "note": {"type": "string"},
        "active": {"type": "boolean"},
        "score": {"type": "number"},
        "created_at": {"type": "string", "format": "date-time"},
    },
    "required": ["id", "name", "email", "phone", "note", "active", "score", "created_at"],
    "additionalProperties": False,
}

TICKET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "ticket_id": {"type": "integer"},
        "subject": {"type": "string"},
        "comments": {"type": "array", "items": {"$ref": "#/$defs/comment"}},
    },
    "required": ["ticket_id", "subject", "comments"],
    "additionalProperties": False,
    "$defs": {
        "comment": {
            "type": "object",
            "properties": {"author": {"type": "string"}, "body": {"type": "string"}},
            "required": ["author", "body"],
            "additionalProperties": False,
        }
    },
}

# cells a spreadsheet would read as formulas, and text that tests quoting
TRICKY_NOTES = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", 'a, b; "c"\nd', "plain"]
BASE_TIME = datetime(2026, 1, 31, 9, 30, tzinfo=UTC)


def make_tenant(runtime: Runtime, *, name: str = "Acme Ltd", region: Region = Region.EU) -> uuid.UUID:
    with runtime.transaction() as session:
        return create_tenant(session, runtime.keyring, actor=SYSTEM, data=TenantCreate(name=name, region=region)).id


def record_disclosure(
    runtime: Runtime,
    tenant_id: uuid.UUID,
    subject_id: uuid.UUID,
    recipient_id: str,
    categories: list[str],
    purpose: str,
) -> None:
    with runtime.transaction() as session:
        tenant = session.get(Tenant, tenant_id)
        assert tenant is not None
        disclose(
            session,
            runtime.policy,
            tenant=tenant,
            recipient_id=recipient_id,
            categories=categories,
            purpose=purpose,
            actor=SYSTEM,
            subject_id=subject_id,
        )


def contact_records(count: int, *, start: int = 0) -> Iterator[dict[str, Any]]:
    """Generated lazily, so a test of memory never holds them."""
    for n in range(start, start + count):
        yield {
            "id": str(uuid.UUID(int=n + 1)),
            "name": f"Person {n}",
            "email": f"person{n}@example.org",
            "phone": None if n % 3 == 0 else f"+1555000{n % 10000:04d}",
            "note": TRICKY_NOTES[n % len(TRICKY_NOTES)],
            "active": n % 2 == 0,
            "score": -n / 4,
            "created_at": BASE_TIME + timedelta(minutes=n),
        }


def ticket_records(count: int) -> Iterator[dict[str, Any]]:
    for n in range(count):
        yield {
            "ticket_id": 1000 + n,
            "subject": f"Ticket {n}",
            "comments": [{"author": "requester", "body": f"body {n}"}, {"author": "agent", "body": "=1+1"}],
        }


def contact_section(count: int) -> ExportSection:
    return ExportSection(
        name="contacts",
        category="contact_information",
        title="Your contact details",
        schema=CONTACT_SCHEMA,
        records=contact_records(count),
    )


def ticket_section(count: int) -> ExportSection:
    return ExportSection(
        name="zendesk_tickets",
        category="zendesk_integration_data",
        title="Your Zendesk tickets",
        schema=TICKET_SCHEMA,
        records=ticket_records(count),
        tabular=False,
    )


def holdings_for(tenant_id: uuid.UUID, subject_id: uuid.UUID, *, contacts: int, tickets: int) -> list[Holding]:
    return [
        Holding(
            contribution="contacts",
            category="contact_information",
            role=SubjectRole.CONTROLLER,
            tenant_id=tenant_id,
            subject_id=subject_id,
            key=str(subject_id),
            records=contacts,
            description=f"contact of tenant {tenant_id}",
        ),
        Holding(
            contribution="zendesk",
            category="zendesk_integration_data",
            role=SubjectRole.PROCESSOR,
            tenant_id=tenant_id,
            subject_id=subject_id,
            key=f"conn:{subject_id}",
            records=tickets,
            description="Zendesk user 123 on connection 1",
        ),
    ]


def request_for(request_id: uuid.UUID, tenant_id: uuid.UUID | None, *, law: str = "gdpr") -> ArchiveRequest:
    return ArchiveRequest(
        request_id=request_id, type=RequestType.ACCESS, law=law, received_at=BASE_TIME, tenant_id=tenant_id
    )


def build(
    runtime: Runtime,
    request: ArchiveRequest,
    *,
    sections: list[ExportSection] | Iterator[ExportSection],
    holdings: list[Holding],
) -> ArchiveInfo:
    with runtime.transaction() as session:
        ctx = StepContext(
            session=session,
            runtime=runtime,
            actor=SYSTEM,
            request_id=request.request_id,
            request_type=request.type,
        )
        return build_archive(ctx, sections=sections, holdings=holdings, request=request)


def read_zip(runtime: Runtime, request_id: uuid.UUID) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(open_archive(runtime, request_id))))


def entry_text(archive: zipfile.ZipFile, name: str) -> str:
    return archive.read(name).decode("utf-8")


def keys_of(record: Mapping[str, Any]) -> list[str]:
    return list(record)
