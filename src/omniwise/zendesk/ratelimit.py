"""Per-account rate limiting of Zendesk calls: a sliding window sized by the account's plan.

Zendesk counts requests per account per minute (by plan), and incremental exports have a
budget of their own (10 a minute). One `AccountLimits` per account is shared by every
client in the process, so concurrent syncs and jobs for one account share its budget.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# requests per minute, as Zendesk publishes them for each Support/Suite plan
PLAN_LIMITS: dict[str, int] = {
    "team": 200,
    "growth": 400,
    "professional": 400,
    "enterprise": 700,
    "enterprise_plus": 2500,
    "high_volume": 2500,
}
INCREMENTAL_EXPORTS_PER_MINUTE = 10
WINDOW_SECONDS = 60.0


class SlidingWindow:
    """At most `limit` requests in any `window` seconds; callers wait for a free slot.

    A slot is reserved under the lock and slept for outside it, so waiting callers keep
    their order and never overshoot the budget together. A margin keeps our reading of
    the window a little stricter than the server's, whose clock sees requests slightly
    later than we send them.
    """

    def __init__(
        self,
        limit: int,
        window: float = WINDOW_SECONDS,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a rate limit needs a positive budget and window")
        self.limit = limit
        self.window = window
        self.margin = min(0.25, window * 0.05)
        self._clock = clock
        self._sleep = sleep
        self._sent: collections.deque[float] = collections.deque()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Reserve the next slot; returns how long the caller must wait before sending."""
        with self._lock:
            now = self._clock()
            at = self._next_slot(now)
            self._sent.append(at)
            return at - now

    def _next_slot(self, now: float) -> float:
        """The earliest moment the next request may leave (the caller holds the lock)."""
        while self._sent and self._sent[0] <= now - self.window - self.margin:
            self._sent.popleft()
        at = max(now, self._paused_until)
        if len(self._sent) >= self.limit:
            at = max(at, self._sent[-self.limit] + self.window + self.margin)
        return at

    def try_reserve(self, max_wait: float) -> float | None:
        """Reserve a slot only if it comes within `max_wait` seconds; None (nothing reserved) otherwise."""
        with self._lock:
            now = self._clock()
            at = self._next_slot(now)
            if at - now > max_wait:
                return None
            self._sent.append(at)
            return at - now

    def next_free_in(self) -> float:
        """Seconds until a slot is free, without reserving it."""
        with self._lock:
            now = self._clock()
            return self._next_slot(now) - now

    def acquire(self) -> float:
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait

    def pause(self, seconds: float) -> None:
        """The server refused us: nobody sends again before `seconds` from now."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def resize(self, limit: int) -> None:
        """Follow the limit the server announces (X-Rate-Limit), which wins over the plan's."""
        if limit >= 1:
            with self._lock:
                self.limit = limit


@dataclass
class AccountLimits:
    """The two budgets of one account: every request, and incremental exports."""

    requests: SlidingWindow
    incremental: SlidingWindow


_registry: dict[tuple[str, int, int, float], AccountLimits] = {}
_registry_lock = threading.Lock()


def limits_for(
    account: str,
    *,
    per_minute: int,
    incremental_per_minute: int = INCREMENTAL_EXPORTS_PER_MINUTE,
    window: float = WINDOW_SECONDS,
) -> AccountLimits:
    """The process-wide limits of one account (its base URL), created on first use."""
    key = (account, per_minute, incremental_per_minute, window)
    with _registry_lock:
        limits = _registry.get(key)
        if limits is None:
            limits = AccountLimits(SlidingWindow(per_minute, window), SlidingWindow(incremental_per_minute, window))
            _registry[key] = limits
        return limits


def plan_limit(plan: str, override: int | None = None) -> int:
    if override is not None:
        return override
    return PLAN_LIMITS.get(plan, PLAN_LIMITS["team"])
