"""Queueing messages in the outbox, each under the purpose its template serves, checked against the policy.

A message row is written in the same transaction as the change that calls for it, so a
rolled-back change never sends mail, and a committed one always does (the outbox pattern).
Delivery reads the recipient's address only when it sends, and passes the disclosure
gate then; nothing personal is stored here.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import Actor
from omniwise.errors import ValidationFailed
from omniwise.kit.clock import utcnow
from omniwise.messaging import repository
from omniwise.messaging.models import MessageStatus, OutboxMessage
from omniwise.messaging.recipients import recipient_kind
from omniwise.messaging.templates import check_params, get_template
from omniwise.policy.enforcement import require_purpose
from omniwise.policy.model import Policy
from omniwise.worker import enqueue as enqueue_job

# Large fan-outs (a notice change reaches every contact) are inserted and handed to the
# worker in slices: a dispatch job per slice then queues one send job per message.
BATCH = 500
SEND_JOB = "messaging.send"
DISPATCH_JOB = "messaging.dispatch"


@dataclass(frozen=True)
class NewMessage:
    """A message to queue: to whom (ids only), deduplicated by key, with its template's parameters."""

    tenant_id: uuid.UUID | None
    subject_id: uuid.UUID | None
    recipient_type: str
    recipient_id: uuid.UUID
    dedupe_key: str
    params: Mapping[str, Any] = field(default_factory=dict)


def enqueue_many(
    session: Session, policy: Policy, *, template: str, messages: Sequence[NewMessage], actor: Actor
) -> list[uuid.UUID]:
    """Queue the messages not queued yet (by dedupe key), and their sending; the ids of those added.

    The template fixes the kind (transactional or promotional) and the purpose, which the
    policy must allow for the category of each recipient's address.
    """
    spec = get_template(template)
    checked: list[tuple[NewMessage, str, dict[str, Any]]] = []
    allowed: set[tuple[uuid.UUID | None, str]] = set()
    for message in messages:
        if not message.dedupe_key or len(message.dedupe_key) > 200:
            raise ValidationFailed("dedupe_key: 1 to 200 characters")
        kind = recipient_kind(message.recipient_type)
        if message.tenant_id is None and not kind.platform:
            raise ValidationFailed(f"tenant_id: a message to a {kind.name} belongs to a business")
        category = kind.category
        if (message.tenant_id, category) not in allowed:
            require_purpose(
                session, policy, category=category, purpose=spec.purpose, actor=actor, tenant_id=message.tenant_id
            )
            allowed.add((message.tenant_id, category))
        checked.append((message, category, check_params(spec, message.params)))
    now = utcnow()
    added: list[uuid.UUID] = []
    per_tenant: dict[uuid.UUID | None, int] = defaultdict(int)
    for start in range(0, len(checked), BATCH):
        rows: list[dict[str, Any]] = [
            {
                "id": uuid.uuid4(),
                "tenant_id": message.tenant_id,
                "subject_id": message.subject_id,
                "recipient_type": message.recipient_type,
                "recipient_id": message.recipient_id,
                "kind": spec.kind.value,
                "template": spec.name,
                "params": params,
                "purpose": spec.purpose.value,
                "category": category,
                "dedupe_key": message.dedupe_key,
                "status": MessageStatus.QUEUED.value,
                "attempts": 0,
                "created_at": now,
            }
            for message, category, params in checked[start : start + BATCH]
        ]
        inserted = repository.insert_new(session, rows)
        tenant_of = {row["id"]: row["tenant_id"] for row in rows}
        for message_id in inserted:
            per_tenant[tenant_of[message_id]] += 1
        _schedule(session, inserted)
        added.extend(inserted)
    for tenant_id, count in per_tenant.items():
        record(
            session,
            AuditEntry(
                name="messaging:messages:queued",
                actor_type=actor.kind,
                actor_id=actor.id,
                tenant_id=tenant_id,
                purpose=spec.purpose.value,
                object_type="template",
                object_id=spec.name,
                details={"kind": spec.kind.value, "count": count},
            ),
        )
    return added


def _schedule(session: Session, message_ids: Sequence[uuid.UUID]) -> None:
    if len(message_ids) == 1:
        enqueue_job(session, SEND_JOB, args={"message_id": message_ids[0]})
    elif message_ids:
        enqueue_job(session, DISPATCH_JOB, args={"message_ids": list(message_ids)})


def enqueue(session: Session, policy: Policy, *, template: str, message: NewMessage, actor: Actor) -> OutboxMessage:
    """Queue one message, or return the one already queued under its dedupe key."""
    enqueue_many(session, policy, template=template, messages=[message], actor=actor)
    row = repository.by_dedupe_key(session, message.dedupe_key)
    assert row is not None
    return row


def requeue_queued(session: Session) -> int:
    """Queue a send job for every message still queued (after SMTP was configured, say); how many."""
    count, after = 0, None
    while True:
        ids = repository.queued_ids(session, after=after, limit=BATCH)
        if not ids:
            return count
        _schedule(session, ids)
        count, after = count + len(ids), ids[-1]
