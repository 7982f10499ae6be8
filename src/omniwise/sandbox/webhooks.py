"""The sandbox's webhooks: Zendesk-shaped event payloads, signed and delivered by a background thread."""

from __future__ import annotations

import base64
import collections
import hashlib
import hmac
import json
import queue
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from omniwise.sandbox.store import ACCOUNT_ID, iso_ms

EVENT_PREFIX = "zen:event-type:"
TRIGGER_SUBSCRIPTION = "conditional_ticket_events"
RETRY_STATUSES = {409, 429, 500, 502, 503, 504}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Zendesk's webhook signature: base64(HMAC-SHA256(secret, timestamp + body))."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def timestamp_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Webhook:
    id: str
    name: str
    endpoint: str
    subscriptions: list[str]
    secret: str
    status: str = "active"
    created_at: str = field(default_factory=timestamp_now)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "endpoint": self.endpoint,
            "http_method": "POST",
            "request_format": "json",
            "status": self.status,
            "subscriptions": list(self.subscriptions),
            "created_at": self.created_at,
        }

    def wants(self, event_type: str) -> bool:
        return self.status == "active" and (EVENT_PREFIX + event_type) in self.subscriptions


@dataclass
class Delivery:
    webhook_id: str
    invocation_id: str
    event_id: str
    event_type: str
    status_code: int | None = None
    attempts: int = 0
    error: str | None = None


class WebhookDispatcher:
    """Queues one delivery per matching webhook and sends them in order from one thread."""

    def __init__(self, *, retries: int = 3, backoff: float = 0.2, timeout: float = 5.0) -> None:
        self.webhooks: dict[str, Webhook] = {}
        self.deliveries: collections.deque[Delivery] = collections.deque(maxlen=10_000)
        self.retries = retries
        self.backoff = backoff
        self._queue: queue.Queue[tuple[Webhook, Delivery, bytes] | None] = queue.Queue()
        self._http = httpx.Client(timeout=timeout)
        self._pending = 0
        self._idle = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
        self._thread.start()

    def add(self, *, endpoint: str, subscriptions: list[str], secret: str | None = None, name: str = "") -> Webhook:
        webhook = Webhook(
            id="01" + secrets.token_hex(12).upper(),
            name=name or "Omni Wise",
            endpoint=endpoint,
            subscriptions=subscriptions,
            secret=secret or secrets.token_urlsafe(32),
        )
        self.webhooks[webhook.id] = webhook
        return webhook

    def publish(self, event_type: str, subject: str, detail: dict[str, Any], event: dict[str, Any], at: float) -> None:
        for webhook in list(self.webhooks.values()):
            if webhook.wants(event_type):
                payload: dict[str, Any] = {
                    "account_id": ACCOUNT_ID,
                    "detail": detail,
                    "event": event,
                    "id": str(uuid.uuid4()),
                    "subject": subject,
                    "time": iso_ms(at),
                    "type": EVENT_PREFIX + event_type,
                    "zendesk_event_version": "2022-11-06",
                }
            elif (
                webhook.status == "active"
                and TRIGGER_SUBSCRIPTION in webhook.subscriptions
                and subject.startswith("zen:ticket:")
            ):
                # a trigger's webhook sends the body its trigger defines: the one the README
                # recommends names the ticket and when it changed
                payload = {
                    "ticket_id": detail.get("id"),
                    "ticket_status": str(detail.get("status", "")).lower(),
                    "updated_at": detail.get("updated_at"),
                }
            else:
                continue
            self.send(webhook, payload)

    def send(self, webhook: Webhook, payload: dict[str, Any]) -> Delivery:
        delivery = Delivery(
            webhook_id=webhook.id,
            invocation_id=str(secrets.randbelow(10**12)),
            event_id=str(payload.get("id", "")),
            event_type=str(payload.get("type", "trigger")),
        )
        body = json.dumps(payload, separators=(",", ":")).encode()
        with self._idle:
            self._pending += 1
        self.deliveries.append(delivery)
        self._queue.put((webhook, delivery, body))
        return delivery

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            webhook, delivery, body = item
            try:
                self._deliver(webhook, delivery, body)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _deliver(self, webhook: Webhook, delivery: Delivery, body: bytes) -> None:
        for attempt in range(1, self.retries + 2):
            delivery.attempts = attempt
            stamp = timestamp_now()
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "Zendesk Webhook",
                "X-Zendesk-Account-Id": str(ACCOUNT_ID),
                "X-Zendesk-Webhook-Id": webhook.id,
                "X-Zendesk-Webhook-Invocation-Id": delivery.invocation_id,
                "X-Zendesk-Webhook-Signature": signature(webhook.secret, stamp, body),
                "X-Zendesk-Webhook-Signature-Timestamp": stamp,
            }
            try:
                response = self._http.post(webhook.endpoint, content=body, headers=headers)
            except httpx.HTTPError as exc:
                delivery.status_code, delivery.error = None, type(exc).__name__
            else:
                delivery.status_code, delivery.error = response.status_code, None
                if response.status_code not in RETRY_STATUSES:
                    return
            time.sleep(self.backoff * attempt)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queued delivery is done (for tests and the command line)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)
        self._http.close()
