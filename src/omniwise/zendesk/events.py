"""Processing stored webhook events into the mirror, in whatever order they arrived.

Event-subscription payloads (`zen:event-type:ticket.comment_added` and the like) carry
the record's new state in `detail`, with ids as strings; each is applied only if it is not
older than what is stored (Zendesk's `updated_at`), so a late event never undoes a newer
one. A trigger's payload names a ticket; its current state is fetched from Zendesk.
A processed event's payload is dropped: the mirror now holds what it said.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete
from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import SYSTEM
from omniwise.keys import KeyRing
from omniwise.kit.clock import utcnow
from omniwise.policy.binding import policy_for
from omniwise.policy.enforcement import require_purpose
from omniwise.policy.purposes import Purpose
from omniwise.zendesk import repository
from omniwise.zendesk.client import ZendeskApi
from omniwise.zendesk.errors import RateLimitDeferred, ZendeskNotFound
from omniwise.zendesk.models import (
    CUSTOMER_CONTACT,
    ZENDESK_DATA,
    ZendeskComment,
    ZendeskConnection,
    ZendeskWebhookEvent,
)
from omniwise.zendesk.records import Mirror, is_newer
from omniwise.zendesk.resources import Comment, Organization
from omniwise.zendesk.webhooks import TABLE

log = logging.getLogger("omniwise.zendesk.events")

TICKET_FIELDS = ("subject", "description", "status", "priority", "type", "organization_id")


class Malformed(Exception):
    """The payload does not have the shape its type promises."""


def _stamp(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise Malformed("a timestamp that is not ISO 8601") from None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _id(value: Any) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        raise Malformed("an id that is not a number") from None


def _lower(value: Any) -> str | None:
    return None if value is None else str(value).lower()


class EventProcessor:
    """Applies one connection's events; a Zendesk client is made only for trigger payloads, which need one."""

    def __init__(
        self,
        session: Session,
        keyring: KeyRing,
        connection: ZendeskConnection,
        client_factory: Callable[[], ZendeskApi] | None,
    ) -> None:
        self.session = session
        self.keyring = keyring
        self.connection = connection
        self._client_factory = client_factory
        self._client: ZendeskApi | None = None
        self.mirror = Mirror(session, keyring, connection)

    @property
    def client(self) -> ZendeskApi:
        if self._client is None:
            if self._client_factory is None:
                raise RuntimeError("a trigger payload needs a Zendesk client")
            self._client = self._client_factory()
        return self._client

    def reset(self) -> None:
        """Forget cached rows after a rolled-back event: they may not exist any more."""
        self.mirror = Mirror(self.session, self.keyring, self.connection)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def apply(self, event_type: str, payload: Any) -> str:
        """Apply one payload; return what it did, in words without values."""
        if not isinstance(payload, dict):
            raise Malformed("the payload is not an object")
        if event_type == "trigger":
            return self._trigger(payload)
        detail = payload.get("detail")
        if not isinstance(detail, dict):
            raise Malformed("the payload has no detail")
        kind, _, action = event_type.partition(".")
        if kind == "ticket":
            return self._ticket(action, detail, payload.get("event") or {}, _stamp(payload.get("time")))
        if kind == "user":
            return self._user(action, detail, payload.get("event") or {})
        if kind == "organization":
            return self._organization(action, detail, payload.get("event") or {})
        return "ignored: not an event type the platform mirrors"

    def _ticket(self, action: str, detail: dict[str, Any], event: dict[str, Any], at: datetime | None) -> str:
        ticket_id = _id(detail.get("id"))
        if action == "permanently_deleted":
            return "ticket purged" if purge_ticket(self.session, self.connection, ticket_id) else "ticket was not held"
        fields: dict[str, str | int | None] = {}
        for name in TICKET_FIELDS:
            if name in detail:
                value = detail[name]
                if name in ("status", "priority", "type"):
                    fields[name] = _lower(value)
                elif name == "organization_id":
                    fields[name] = _id(value) if value is not None else None
                else:
                    fields[name] = None if value is None else str(value)
        updated_at = _stamp(detail.get("updated_at")) or at
        row = self.mirror.apply_ticket_fields(
            ticket_id, _id(detail.get("requester_id")), fields, updated_at, created_at=_stamp(detail.get("created_at"))
        )
        outcome = "ticket updated" if row is not None else "ticket unchanged: a newer version is held"
        comment = event.get("comment") if isinstance(event, dict) else None
        if action == "comment_added" and isinstance(comment, dict):
            ticket = row or repository.tickets_by_zendesk_id(
                self.session,
                tenant_id=self.connection.tenant_id,
                connection_id=self.connection.id,
                zendesk_ids=[ticket_id],
            ).get(ticket_id)
            if ticket is None or ticket.purged_at is not None:
                return "comment ignored: its ticket was deleted"
            author = comment.get("author") if isinstance(comment.get("author"), dict) else {}
            self.mirror.store_comments(
                ticket,
                [
                    Comment(
                        id=_id(comment.get("id")),
                        author_id=_id((author or {}).get("id")),
                        body=None if comment.get("body") is None else str(comment["body"]),
                        public=bool(comment.get("is_public", True)),
                        created_at=at or updated_at,
                    )
                ],
                synced_for=None,
            )
            outcome += ", comment stored"
        return outcome

    def _user(self, action: str, detail: dict[str, Any], event: dict[str, Any]) -> str:
        user_id = _id(detail.get("id"))
        fields: dict[str, str | int | bool | None] = {}
        for name in ("email", "role", "organization_id", "name"):
            if name in detail:
                fields[name] = detail[name] if name != "organization_id" or detail[name] is None else _id(detail[name])
        if action == "name_changed" and "current" in event:
            fields["name"] = None if event["current"] is None else str(event["current"])
        if action == "deleted":
            fields["active"] = False
        applied = self.mirror.apply_user_fields(user_id, fields, _stamp(detail.get("updated_at")))
        return "user updated" if applied else "user unchanged: a newer version is held"

    def _organization(self, action: str, detail: dict[str, Any], event: dict[str, Any]) -> str:
        org = Organization(
            id=_id(detail.get("id")),
            name=None if detail.get("name") is None else str(detail["name"]),
            updated_at=_stamp(detail.get("updated_at")),
            deleted_at=utcnow() if action == "deleted" else None,
        )
        if action == "name_changed" and "current" in event:
            org.name = str(event["current"])
        changed = self.mirror.upsert_organizations([org])
        return "organization updated" if changed else "organization unchanged: a newer version is held"

    def _trigger(self, payload: dict[str, Any]) -> str:
        """A trigger names a ticket: fetch it and its comments as Zendesk has them now."""
        if "ticket_id" not in payload:
            return "ignored: a trigger payload without ticket_id"
        ticket_id = _id(payload["ticket_id"])
        try:
            ticket = self.client.ticket(ticket_id)
            comments = self.client.ticket_comments(ticket_id)
        except ZendeskNotFound:
            row = repository.tickets_by_zendesk_id(
                self.session,
                tenant_id=self.connection.tenant_id,
                connection_id=self.connection.id,
                zendesk_ids=[ticket_id],
            ).get(ticket_id)
            if row is not None and row.deleted_at is None:
                row.deleted_at = utcnow()
            return "ticket no longer in Zendesk: marked deleted"
        self.mirror.ensure_users([c.author_id for c in comments])
        stale = self.mirror.upsert_tickets([ticket])
        row = repository.tickets_by_zendesk_id(
            self.session, tenant_id=self.connection.tenant_id, connection_id=self.connection.id, zendesk_ids=[ticket_id]
        ).get(ticket_id)
        if row is not None and (stale or is_newer(ticket.updated_at, row.comments_synced_at)):
            self.mirror.store_comments(row, comments, synced_for=ticket.updated_at)
        return "ticket fetched"


def purge_ticket(session: Session, connection: ZendeskConnection, zendesk_id: int) -> bool:
    """Zendesk deleted the ticket for good: drop its comments and personal fields, keep a tombstone."""
    row = repository.tickets_by_zendesk_id(
        session, tenant_id=connection.tenant_id, connection_id=connection.id, zendesk_ids=[zendesk_id]
    ).get(zendesk_id)
    if row is None:
        return False
    session.execute(delete(ZendeskComment).where(ZendeskComment.ticket_id == row.id))
    row.subject_ct = row.description_ct = None
    row.status = "deleted"
    row.deleted_at = row.deleted_at or utcnow()
    row.purged_at = utcnow()
    session.flush()
    return True


@dataclass(frozen=True)
class Processed:
    """What a batch left for later (a trigger held back by the rate limit) and when to come back."""

    left: list[uuid.UUID]
    retry_after: float


def process_events(
    session: Session,
    keyring: KeyRing,
    *,
    connection: ZendeskConnection,
    event_ids: Sequence[uuid.UUID],
    client_factory: Callable[[], ZendeskApi] | None,
) -> Processed:
    """Process the pending events among `event_ids`, oldest first."""
    for category in (ZENDESK_DATA, CUSTOMER_CONTACT):
        require_purpose(
            session,
            policy_for(session),
            category=category,
            purpose=Purpose.SERVICE_PROVISION,
            actor=SYSTEM,
            tenant_id=connection.tenant_id,
            object_type="zendesk_connection",
            object_id=str(connection.id),
        )
    processor = EventProcessor(session, keyring, connection, client_factory)
    cipher = keyring.tenant_cipher(connection.tenant_id)
    events = repository.webhook_events(session, tenant_id=connection.tenant_id, event_row_ids=event_ids)
    outcomes: Counter[str] = Counter()
    left: list[uuid.UUID] = []
    retry_after = 0.0
    try:
        for index, event in enumerate(events):
            if event.connection_id != connection.id:
                continue
            try:
                with session.begin_nested():
                    payload = json.loads(
                        cipher.open_optional(event.payload_ct, table=TABLE, column="payload", row_id=event.id) or "null"
                    )
                    outcome = processor.apply(event.event_type, payload)
            except RateLimitDeferred as deferred:
                processor.reset()
                left, retry_after = [e.id for e in events[index:]], deferred.retry_after
                break
            except (Malformed, ValidationError, ValueError):
                processor.reset()
                _finish(event, "failed", "malformed payload")
                outcomes["failed"] += 1
                continue
            _finish(event, "processed", outcome)
            outcomes["processed"] += 1
    finally:
        processor.close()
    if events:
        received = max(e.received_at for e in events)
        if connection.last_webhook_at is None or connection.last_webhook_at < received:
            connection.last_webhook_at = received
    session.flush()
    if outcomes:
        record(
            session,
            AuditEntry(
                name="zendesk:webhook:processed",
                actor_type=SYSTEM.kind,
                actor_id=SYSTEM.id,
                tenant_id=connection.tenant_id,
                purpose=Purpose.SERVICE_PROVISION.value,
                object_type="zendesk_connection",
                object_id=str(connection.id),
                details=dict(outcomes),
            ),
        )
    return Processed(left, retry_after)


def _finish(event: ZendeskWebhookEvent, status: str, outcome: str) -> None:
    event.status = status
    event.outcome = outcome[:300]
    event.processed_at = utcnow()
    event.payload_ct = None
