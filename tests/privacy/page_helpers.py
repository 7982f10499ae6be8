"""Privacy requests made through the real service, for the page tests: opened, verified, and moved along.

A request's steps run in jobs; the page tests run no worker, so a test that needs a request
in a later state (found data awaiting a business's decision, completed, overdue) sets it
here, as the workflow would have left it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from omniwise.auth.actor import SYSTEM
from omniwise.kit.clock import utcnow
from omniwise.messaging.models import OutboxMessage
from omniwise.privacy import service
from omniwise.privacy.models import PrivacyRequest
from omniwise.privacy.request_pages import CHANNEL, REQUESTER
from omniwise.runtime import Runtime


def open_request(
    runtime: Runtime,
    email: str,
    *,
    type: str = "deletion",
    tenant_id: uuid.UUID | None = None,
    verified_by: str | None = "checked by a test",
) -> uuid.UUID:
    with runtime.transaction() as session:
        opened = service.open_request(
            session,
            runtime,
            type=type,
            email=email,
            tenant_id=tenant_id,
            jurisdiction=None,
            channel=CHANNEL if verified_by is None else "console",
            actor=REQUESTER if verified_by is None else SYSTEM,
            verified_by=verified_by,
        )
        return opened.id


def verify_path(runtime: Runtime, request_id: uuid.UUID) -> str:
    """The link of the verification message queued for the request (its path; the message adds the site)."""
    with runtime.transaction() as session:
        params = session.scalars(
            select(OutboxMessage.params).where(
                OutboxMessage.template == "privacy_verification", OutboxMessage.recipient_id == request_id
            )
        ).one()
        return str(params["verify_path"])


def holding(tenant_id: uuid.UUID, *, records: int = 3) -> dict[str, Any]:
    return {
        "contribution": "zendesk",
        "category": "customer_contact_information",
        "role": "processor",
        "tenant_id": str(tenant_id),
        "subject_id": None,
        "key": "conn:101",
        "records": records,
        "description": "Zendesk user 101 on the business's account",
    }


def set_state(runtime: Runtime, request_id: uuid.UUID, **values: Any) -> None:
    """Put the request where the workflow would have left it (status, holdings, report, dates)."""
    with runtime.transaction() as session:
        row = session.get(PrivacyRequest, request_id)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)


def awaiting_approval(runtime: Runtime, request_id: uuid.UUID, tenant_id: uuid.UUID) -> None:
    set_state(runtime, request_id, status="awaiting_approval", needs_approval=True, holdings=[holding(tenant_id)])


def overdue(runtime: Runtime, request_id: uuid.UUID, *, days: int = 40) -> None:
    """Received `days` ago, so its deadline (a month or less) has passed."""
    received = utcnow() - timedelta(days=days)
    set_state(runtime, request_id, received_at=received, due_at=received + timedelta(days=30))
