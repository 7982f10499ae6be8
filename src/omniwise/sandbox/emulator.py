"""The sandbox account: its settings, records, rate limits, OAuth grants and webhooks."""

from __future__ import annotations

import base64
import collections
import hashlib
import math
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from omniwise.sandbox.operations import Operations
from omniwise.sandbox.seed import SeedSizes, seed_store
from omniwise.sandbox.store import Store
from omniwise.sandbox.webhooks import WebhookDispatcher

MARKETPLACE_HEADERS = (
    "x-zendesk-marketplace-name",
    "x-zendesk-marketplace-organization-id",
    "x-zendesk-marketplace-app-id",
)


@dataclass
class SandboxConfig:
    """Defaults match Zendesk (Professional plan: 400 a minute; incremental exports: 10 a minute).

    Tests shrink `window_seconds` and the limits so that a refusal and its Retry-After
    take a second, not a minute, and set `export_lag_seconds` to 0 so that a change shows
    in the exports at once (Zendesk leaves out the last minute).
    """

    seed: int = 1
    sizes: SeedSizes = field(default_factory=SeedSizes)
    subdomain: str = "omniwise-sandbox"
    email: str = "admin@omniwise-sandbox.example"
    api_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    rate_limit: int = 400
    incremental_limit: int = 10
    window_seconds: float = 60.0
    export_lag_seconds: float = 60.0
    require_marketplace_headers: bool = False
    oauth_client_id: str = "omniwise"
    oauth_client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    access_token_seconds: int = 7200
    webhook_retries: int = 3


class Window:
    """The server's sliding window: a request is refused when `limit` were accepted in the last `window`."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._hits: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def hit(self) -> tuple[bool, int, int]:
        """(accepted, remaining, retry_after_seconds)."""
        with self._lock:
            now = self._clock()
            while self._hits and self._hits[0] <= now - self.window:
                self._hits.popleft()
            if len(self._hits) >= self.limit:
                retry_after = max(1, math.ceil(self._hits[0] + self.window - now))
                return False, 0, retry_after
            self._hits.append(now)
            return True, self.limit - len(self._hits), 0


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    scope: str


@dataclass
class Fault:
    status: int
    count: int
    path_prefix: str


@dataclass
class SandboxStats:
    requests: int = 0
    refused: int = 0
    missing_marketplace_headers: int = 0
    by_route: collections.Counter[str] = field(default_factory=collections.Counter)
    # the latest calls in order ("PUT /api/v2/comment_redactions/5.json"), to show what came first
    log: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=10_000))
    # a call refused again on its very next attempt: what a client that honours Retry-After never sees
    refused_twice: int = 0
    _refused_last: set[str] = field(default_factory=set, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, route: str, *, missing_headers: bool) -> None:
        with self._lock:
            self.requests += 1
            self.by_route[route] += 1
            self.log.append(route)
            if missing_headers:
                self.missing_marketplace_headers += 1

    def count_refusal(self, route: str) -> None:
        with self._lock:
            self.refused += 1
            if route in self._refused_last:
                self.refused_twice += 1
            self._refused_last.add(route)

    def count_acceptance(self, route: str) -> None:
        with self._lock:
            self._refused_last.discard(route)


class Sandbox:
    """Everything one running sandbox holds; the HTTP app in `app.py` is a view of it."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.store = Store()
        seed_store(self.store, seed=self.config.seed, sizes=self.config.sizes)
        self.dispatcher = WebhookDispatcher(retries=self.config.webhook_retries)
        self.store.emit = self.dispatcher.publish
        self.ops = Operations(self.store, export_lag=lambda: self.config.export_lag_seconds)
        self.requests = Window(self.config.rate_limit, self.config.window_seconds)
        self.incremental = Window(self.config.incremental_limit, self.config.window_seconds)
        self.stats = SandboxStats()
        self.faults: list[Fault] = []
        self.grants: dict[str, Grant] = {}
        self.access_tokens: dict[str, float] = {}
        self.refresh_tokens: set[str] = set()
        self.retired_refresh_tokens: set[str] = set()
        self._lock = threading.Lock()

    def close(self) -> None:
        self.dispatcher.close()

    # authentication

    def authenticate(self, authorization: str | None) -> bool:
        if not authorization:
            return False
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(value, validate=True).decode()
            except (ValueError, UnicodeDecodeError):
                return False
            user, _, token = decoded.partition(":")
            return user == f"{self.config.email}/token" and secrets.compare_digest(token, self.config.api_token)
        if scheme.lower() == "bearer":
            with self._lock:
                expires = self.access_tokens.get(value.strip())
            return expires is not None and expires > time.time()
        return False

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def take_fault(self, path: str) -> int | None:
        with self._lock:
            for fault in self.faults:
                if fault.count > 0 and path.startswith(fault.path_prefix):
                    fault.count -= 1
                    return fault.status
        return None

    # OAuth (authorization code with PKCE; refresh tokens rotate on every refresh)

    def grant_code(self, *, client_id: str, redirect_uri: str, code_challenge: str, scope: str) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.grants[code] = Grant(client_id, redirect_uri, code_challenge, scope)
        return code

    def _issue(self, scope: str) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.access_tokens[access] = time.time() + self.config.access_token_seconds
        self.refresh_tokens.add(refresh)
        return {
            "access_token": access,
            "token_type": "bearer",
            "scope": scope,
            "refresh_token": refresh,
            "expires_in": self.config.access_token_seconds,
            "refresh_token_expires_in": 30 * 86400,
        }

    def exchange(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """The token endpoint: (status, body) as Zendesk answers it."""
        if body.get("client_id") != self.config.oauth_client_id or not secrets.compare_digest(
            str(body.get("client_secret", "")), self.config.oauth_client_secret
        ):
            return 401, {"error": "invalid_client", "error_description": "Client authentication failed."}
        grant_type = body.get("grant_type")
        with self._lock:
            if grant_type == "authorization_code":
                grant = self.grants.pop(str(body.get("code", "")), None)
                verifier = str(body.get("code_verifier", ""))
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
                if (
                    grant is None
                    or grant.redirect_uri != body.get("redirect_uri")
                    or not secrets.compare_digest(challenge, grant.code_challenge)
                ):
                    return 400, {"error": "invalid_grant", "error_description": "The code is invalid or expired."}
                return 200, self._issue(grant.scope)
            if grant_type == "refresh_token":
                token = str(body.get("refresh_token", ""))
                if token not in self.refresh_tokens:
                    return 400, {"error": "invalid_grant", "error_description": "The refresh token is invalid."}
                self.refresh_tokens.discard(token)
                self.retired_refresh_tokens.add(token)
                return 200, self._issue(str(body.get("scope") or "read write"))
        return 400, {"error": "unsupported_grant_type"}

    def expire_access_tokens(self) -> None:
        """Make every access token expire now (tests of the refresh path)."""
        with self._lock:
            for token in self.access_tokens:
                self.access_tokens[token] = 0.0
