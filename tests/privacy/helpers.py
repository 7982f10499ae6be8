"""Waiting on privacy requests and reading what they left, by ids and counts only."""

from __future__ import annotations

import time
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from omniwise.audit.models import AuditEvent
from omniwise.privacy.models import PrivacyRequestToken
from omniwise.runtime import Runtime
from tests.factories import auth


def wait_for(client: TestClient, token: str, request_id: str, *statuses: str, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(f"/api/v1/privacy-requests/{request_id}", headers=auth(token)).json()
        if body.get("status") in statuses:
            return body
        if time.monotonic() > deadline:
            steps = [(s["name"], s["status"]) for s in body.get("steps", [])]
            raise AssertionError(f"request is {body.get('status')} after {timeout}s; steps {steps}")
        time.sleep(0.1)


def events(runtime: Runtime, name: str, object_id: str | None = None) -> int:
    with runtime.transaction() as session:
        statement = select(func.count()).select_from(AuditEvent).where(AuditEvent.name == name)
        if object_id is not None:
            statement = statement.where(AuditEvent.object_id == object_id)
        return int(session.scalar(statement) or 0)


def verification_rows(runtime: Runtime) -> list[PrivacyRequestToken]:
    with runtime.transaction() as session:
        rows = list(session.scalars(select(PrivacyRequestToken).where(PrivacyRequestToken.purpose == "verify")))
        session.expunge_all()
        return rows


def new_request(
    client: TestClient, token: str, tenant_id: uuid.UUID | None, email: str, type_: str, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": type_,
        "tenant_id": str(tenant_id) if tenant_id else None,
        "subject": {"email": email},
    }
    body["jurisdiction"] = extra.pop("jurisdiction", "gdpr")
    body.update(extra)
    response = client.post("/api/v1/privacy-requests", json=body, headers=auth(token))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result
