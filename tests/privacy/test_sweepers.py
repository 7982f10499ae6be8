"""Retention of privacy requests: closed ones go three years after closing, with their steps, tokens and archive."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from omniwise.auth.actor import SYSTEM
from omniwise.auth.roles import Role
from omniwise.privacy import tokens
from omniwise.privacy.export.archive import archive_path
from omniwise.privacy.models import PrivacyRequest, PrivacyRequestStep, PrivacyRequestToken, TokenPurpose
from omniwise.retention.models import RetentionRun
from omniwise.retention.schemas import HoldCreate
from omniwise.retention.service import create_hold
from omniwise.retention.sweep import run_retention
from omniwise.runtime import Runtime
from tests.factories import api_token, create_tenant
from tests.privacy.helpers import new_request

NOW = datetime.now(UTC)


def _close(runtime: Runtime, request_id: str, closed_at: datetime | None, **values: Any) -> None:
    with runtime.transaction() as session:
        session.execute(
            update(PrivacyRequest)
            .where(PrivacyRequest.id == uuid.UUID(request_id))
            .values(closed_at=closed_at, received_at=NOW - timedelta(days=5 * 365), **values)
        )
        request = session.get(PrivacyRequest, uuid.UUID(request_id))
        assert request is not None
        tokens.issue(session, request=request, purpose=TokenPurpose.EXPORT)


def _count(runtime: Runtime, model: type, *where: Any) -> int:
    with runtime.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_closed_requests_go_three_years_after_closing_unless_held(client: TestClient, runtime: Runtime) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    officer = api_token(runtime, Role.PRIVACY_OFFICER)
    tenant, held = create_tenant(client, admin), create_tenant(client, admin, name="Held")
    expired = new_request(client, officer, tenant, "old@example.org", "access")["id"]
    recent = new_request(client, officer, tenant, "recent@example.org", "access")["id"]
    still_open = new_request(client, officer, tenant, "open@example.org", "access")["id"]
    on_hold = new_request(client, officer, held, "held@example.org", "access")["id"]
    four_years = NOW - timedelta(days=4 * 365)
    _close(runtime, expired, four_years, status="completed", completed_at=four_years, email_ct=None)
    _close(runtime, recent, NOW - timedelta(days=365), status="refused")
    _close(runtime, still_open, None)  # received five years ago and never closed: its clock has not started
    _close(runtime, on_hold, four_years, status="completed", completed_at=four_years)
    archive = archive_path(runtime, uuid.UUID(expired))
    archive.parent.mkdir(parents=True, exist_ok=True)
    archive.write_bytes(b"sealed")
    with runtime.transaction() as session:
        create_hold(
            session,
            actor=SYSTEM,
            data=HoldCreate.model_validate(
                {"scope": "tenant", "tenant_id": str(held), "reason": "Case 2026-4", "ends_at": NOW + timedelta(days=9)}
            ),
        )

    dry = run_retention(runtime, dry_run=True, started_by="cli", actor=SYSTEM, categories=["privacy_records"])
    assert _count(runtime, PrivacyRequest) == 4
    run_id = run_retention(runtime, dry_run=False, started_by="cli", actor=SYSTEM, categories=["privacy_records"])

    remaining = {str(i) for i in _ids(runtime)}
    assert remaining == {recent, still_open, on_hold}
    expired_id = uuid.UUID(expired)
    assert _count(runtime, PrivacyRequestStep, PrivacyRequestStep.request_id == expired_id) == 0
    assert _count(runtime, PrivacyRequestToken, PrivacyRequestToken.request_id == expired_id) == 0
    assert _count(runtime, PrivacyRequestStep) == 3  # the others' steps stay
    assert _count(runtime, PrivacyRequestToken) == 3
    assert not archive.exists()
    with runtime.transaction() as session:
        for rid, expected in ((dry, 0), (run_id, 1)):
            run = session.get(RetentionRun, rid)
            assert run is not None
            [row] = [c for c in run.categories if c.sweeper == "privacy.requests"]
            assert row.deleted == expected
            assert row.candidates == 2  # the expired one and the held one
    # a second run finds nothing more
    again = run_retention(runtime, dry_run=False, started_by="cli", actor=SYSTEM, categories=["privacy_records"])
    with runtime.transaction() as session:
        run = session.get(RetentionRun, again)
        assert run is not None
        assert [c.deleted for c in run.categories if c.sweeper == "privacy.requests"] == [0]


def _ids(runtime: Runtime) -> list[uuid.UUID]:
    with runtime.transaction() as session:
        return list(session.scalars(select(PrivacyRequest.id)))
