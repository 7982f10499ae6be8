"""Receiving Zendesk webhooks: verify the signature, store each event once, answer at once; a job processes them.

Zendesk signs `timestamp + body` with HMAC-SHA256 under the webhook's secret and sends
the base64 digest in `X-Zendesk-Webhook-Signature`, the timestamp in
`X-Zendesk-Webhook-Signature-Timestamp`. A missing, wrong or stale signature is refused
with 401 before anything is stored.

Accepted events are written by one inbox thread per process in small batches: a request
waits only for the commit of the batch that holds its event (so a 2xx means stored), and
concurrent deliveries share one transaction instead of queueing on the database.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import logging
import queue
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from omniwise.errors import BadRequest, Gone, NotFound, Unauthorized
from omniwise.kit.clock import utcnow
from omniwise.runtime import Runtime
from omniwise.worker import enqueue
from omniwise.zendesk import repository
from omniwise.zendesk.connections import webhook_secret
from omniwise.zendesk.models import ZendeskWebhookEvent

log = logging.getLogger("omniwise.zendesk.webhooks")

SIGNATURE_HEADER = "x-zendesk-webhook-signature"
TIMESTAMP_HEADER = "x-zendesk-webhook-signature-timestamp"
INVOCATION_HEADER = "x-zendesk-webhook-invocation-id"
EVENT_PREFIX = "zen:event-type:"
TABLE = "zendesk_webhook_events"
MAX_EVENT_ID = 200
BATCH_MAX = 256
# how long the inbox waits for more deliveries to share a transaction with the first one
BATCH_LINGER_SECONDS = 0.002
SECRET_CACHE_SECONDS = 30.0
INBOX_IDLE_SECONDS = 2.0


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Zendesk's webhook signature: base64(HMAC-SHA256(secret, timestamp + body))."""
    return base64.b64encode(hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()).decode()


def parse_timestamp(value: str) -> datetime:
    """Zendesk sends ISO 8601 in UTC (2021-10-21T16:15:13Z); seconds since the epoch are accepted too."""
    text = value.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), UTC)
    stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        raise ValueError("a timestamp without a time zone")
    return stamp.astimezone(UTC)


def verify_signature(
    secret: str, *, timestamp: str | None, signature: str | None, body: bytes, now: datetime, tolerance: float
) -> None:
    """Return if the delivery is Zendesk's and fresh; raise Unauthorized (401) otherwise."""
    if not timestamp or not signature:
        raise Unauthorized("missing X-Zendesk-Webhook-Signature or X-Zendesk-Webhook-Signature-Timestamp")
    try:
        sent_at = parse_timestamp(timestamp)
    except (ValueError, OverflowError):
        raise Unauthorized("X-Zendesk-Webhook-Signature-Timestamp is not a timestamp") from None
    if abs((now - sent_at).total_seconds()) > tolerance:
        raise Unauthorized("X-Zendesk-Webhook-Signature-Timestamp is too far from now; refusing a stale delivery")
    try:
        given = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise Unauthorized("X-Zendesk-Webhook-Signature is not base64") from None
    expected = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    if not hmac.compare_digest(given, expected):
        raise Unauthorized("X-Zendesk-Webhook-Signature does not match")


def event_identity(payload: Any, body: bytes, invocation_id: str | None) -> tuple[str, str]:
    """(event id, event type) of a delivery.

    Event-subscription payloads carry their own `id` and `type`. A trigger's payload is
    whatever its author wrote, so its id is the delivery's invocation id (the same on every
    retry of one delivery), or failing that a digest of the body.
    """
    if isinstance(payload, dict) and isinstance(payload.get("type"), str) and payload.get("id"):
        event_type = payload["type"].removeprefix(EVENT_PREFIX)
        return str(payload["id"])[:MAX_EVENT_ID], event_type[:120]
    if invocation_id:
        return f"invocation:{invocation_id}"[:MAX_EVENT_ID], "trigger"
    return "sha256:" + hashlib.sha256(body).hexdigest(), "trigger"


@dataclass(frozen=True)
class _Target:
    tenant_id: uuid.UUID
    secret: str | None
    disconnected: bool
    expires: float


@dataclass
class _Pending:
    tenant_id: uuid.UUID
    connection_id: uuid.UUID
    event_id: str
    event_type: str
    payload_ct: bytes
    row_id: uuid.UUID
    future: asyncio.Future[bool]


class WebhookInbox:
    """Stores verified deliveries of one process, in batches, and queues the jobs that process them."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._targets: dict[uuid.UUID, _Target] = {}

    # the request side

    def _target(self, connection_id: uuid.UUID) -> _Target:
        cached = self._targets.get(connection_id)
        if cached is not None and cached.expires > time.monotonic():
            return cached
        with self.runtime.sessions() as session:
            connection = repository.connection_for_webhook(session, connection_id=connection_id)
            if connection is None:
                raise NotFound(f"zendesk connection {connection_id} does not exist")
            target = _Target(
                connection.tenant_id,
                webhook_secret(self.runtime.keyring, connection),
                connection.disconnected_at is not None,
                time.monotonic() + SECRET_CACHE_SECONDS,
            )
        self._targets[connection_id] = target
        return target

    def accept(
        self, connection_id: uuid.UUID, headers: dict[str, str], body: bytes
    ) -> tuple[asyncio.Future[bool], str]:
        """Verify one delivery and hand it to the writer; the future says, once committed, if it was new.

        Called on the event loop that will await the future: the writer resolves each
        batch's futures with one call into that loop, not one per delivery.
        """
        target = self._target(connection_id)
        if target.disconnected:
            raise Gone(f"zendesk connection {connection_id} is disconnected; remove this webhook in Zendesk")
        if target.secret is None:
            raise Unauthorized(f"zendesk connection {connection_id} has no webhook secret; no delivery can be verified")
        verify_signature(
            target.secret,
            timestamp=headers.get(TIMESTAMP_HEADER),
            signature=headers.get(SIGNATURE_HEADER),
            body=body,
            now=utcnow(),
            tolerance=self.runtime.settings.zendesk_webhook_tolerance_seconds,
        )
        try:
            payload = json.loads(body)
        except ValueError:
            raise BadRequest("the webhook body is not JSON") from None
        event_id, event_type = event_identity(payload, body, headers.get(INVOCATION_HEADER))
        row_id = uuid.uuid4()
        sealed = self.runtime.keyring.tenant_cipher(target.tenant_id).seal(
            body.decode("utf-8", errors="replace"), table=TABLE, column="payload", row_id=row_id
        )
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.put(_Pending(target.tenant_id, connection_id, event_id, event_type, sealed, row_id, future))
        self._ensure_writer()
        return future, event_id

    # the writer side

    def _ensure_writer(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="zendesk-webhook-inbox", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=INBOX_IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            batch = [first]
            deadline = time.monotonic() + BATCH_LINGER_SECONDS
            while len(batch) < BATCH_MAX:
                try:
                    batch.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list[_Pending]) -> None:
        outcome: set[uuid.UUID] | Exception
        try:
            with self.runtime.transaction() as session:
                outcome = store_events(session, batch)
        except Exception as exc:
            log.exception("storing %d webhook event(s) failed", len(batch))
            outcome = exc
        by_loop: dict[asyncio.AbstractEventLoop, list[_Pending]] = defaultdict(list)
        for item in batch:
            by_loop[item.future.get_loop()].append(item)
        for loop, items in by_loop.items():
            with contextlib.suppress(RuntimeError):  # a loop that has closed has nobody left to answer
                loop.call_soon_threadsafe(_resolve, items, outcome)


def _resolve(items: list[_Pending], outcome: set[uuid.UUID] | Exception) -> None:
    for item in items:
        if item.future.done():
            continue  # the request went away
        if isinstance(outcome, Exception):
            item.future.set_exception(outcome)
        else:
            item.future.set_result(item.row_id in outcome)


# PostgreSQL: the whole batch in one statement from arrays, which costs one round trip and next to
# no work per row in Python; duplicates (of stored events or within the batch) are skipped
PG_INSERT = (
    "INSERT INTO zendesk_webhook_events"
    " (id, tenant_id, connection_id, event_id, event_type, received_at, payload_ct, status)"
    " SELECT id, tenant_id, connection_id, event_id, event_type, %b, payload_ct, 'pending'"
    " FROM unnest(%b::uuid[], %b::uuid[], %b::uuid[], %b::text[], %b::text[], %b::bytea[])"
    " AS batch (id, tenant_id, connection_id, event_id, event_type, payload_ct)"
    " ON CONFLICT (connection_id, event_id) DO NOTHING RETURNING id"
)


def _insert(session: Session, batch: list[_Pending], now: datetime) -> set[uuid.UUID]:
    if session.get_bind().dialect.name == "postgresql":
        columns = (
            [i.row_id for i in batch],
            [i.tenant_id for i in batch],
            [i.connection_id for i in batch],
            [i.event_id for i in batch],
            [i.event_type for i in batch],
            [i.payload_ct for i in batch],
        )
        # binary parameters (%b): psycopg sends the arrays as they are, without escaping each element as text
        driver = session.connection().connection.driver_connection
        assert driver is not None
        with driver.cursor(binary=True) as cursor:
            cursor.execute(PG_INSERT, (now, *columns))
            return {row[0] for row in cursor.fetchall()}
    statement = (
        sqlite_insert(ZendeskWebhookEvent)
        .on_conflict_do_nothing(index_elements=["connection_id", "event_id"])
        .returning(ZendeskWebhookEvent.id)
    )
    rows = [
        {
            "id": i.row_id,
            "tenant_id": i.tenant_id,
            "connection_id": i.connection_id,
            "event_id": i.event_id,
            "event_type": i.event_type,
            "received_at": now,
            "payload_ct": i.payload_ct,
            "status": "pending",
        }
        for i in batch
    ]
    return set(session.scalars(statement, rows))


def store_events(session: Session, batch: list[_Pending]) -> set[uuid.UUID]:
    """Insert the batch, skipping events already stored; queue one processing job per connection."""
    stored = _insert(session, batch, utcnow())
    groups: dict[tuple[uuid.UUID, uuid.UUID], list[uuid.UUID]] = defaultdict(list)
    for item in batch:
        if item.row_id in stored:
            groups[(item.tenant_id, item.connection_id)].append(item.row_id)
    for (tenant_id, connection_id), ids in groups.items():
        enqueue(
            session,
            "zendesk.process_webhooks",
            args={"tenant_id": tenant_id, "connection_id": connection_id, "event_ids": ids},
            tenant_id=tenant_id,
        )
    return stored
