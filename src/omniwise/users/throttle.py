"""Failed sign-ins per client address, counted in memory, to slow down guessing across many accounts.

The per-account lockout (in the database) stops guessing one account's password; this
stops one address from trying a few passwords on each of many accounts. Addresses are
held in memory only, for the window, and never written anywhere.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque


class AddressThrottle:
    def __init__(self, *, max_failures: int = 20, window_seconds: float = 900.0, max_addresses: int = 10_000) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self.max_addresses = max_addresses
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        times = self._failures.get(address)
        if times is None:
            return deque()
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def retry_after(self, address: str) -> int | None:
        """Seconds until `address` may try again, or None if it may try now."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(address, now)
            if len(times) < self.max_failures:
                return None
            return max(1, int(self.window - (now - times[0])) + 1)

    def failed(self, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            times = self._recent(address, now)
            times.append(now)
            self._failures[address] = times
            self._failures.move_to_end(address)
            while len(self._failures) > self.max_addresses:
                self._failures.popitem(last=False)

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)
