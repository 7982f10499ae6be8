"""The platform secret that keys the hash of the address a consent came from."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path

from omniwise.config import Settings

_lock = threading.Lock()
_cache: dict[Path, bytes] = {}


def consent_secret(settings: Settings) -> bytes:
    """OMNIWISE_CONSENT_SECRET, shared by every replica in production; else a file made 0600 on first use."""
    if settings.consent_secret is not None:
        return settings.consent_secret.encode()
    path = settings.consent_secret_file.resolve()
    with _lock:
        cached = _cache.get(path)
        if cached is not None:
            return cached
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass  # another process made it first; read theirs
            else:
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_hex(32))
        value = path.read_text().strip().encode()
        _cache[path] = value
        return value


def ip_hmac(secret: bytes, address: str) -> str:
    """HMAC-SHA256 of the address: the same address always gives the same proof, which names no one without the key."""
    return hmac.new(secret, address.encode(), hashlib.sha256).hexdigest()
