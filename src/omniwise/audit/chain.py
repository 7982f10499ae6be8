"""How an event's hash is computed: SHA-256 over the previous hash and a canonical body."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from omniwise.audit.models import AuditEvent

GENESIS_HASH = "0" * 64


def canonical_body(event: AuditEvent) -> bytes:
    body: dict[str, Any] = {
        "seq": event.seq,
        "event_id": str(event.event_id),
        "occurred_at": event.occurred_at.isoformat(),
        "name": event.name,
        "actor_type": event.actor_type,
        "actor_id": event.actor_id,
        "tenant_id": str(event.tenant_id) if event.tenant_id else None,
        "purpose": event.purpose,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "subject_id": str(event.subject_id) if event.subject_id else None,
        "details": event.details or {},
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical_body(event)).hexdigest()
