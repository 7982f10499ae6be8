"""Master key (key-encryption key) providers: a local key file, and one in memory for tests.

Production swaps in a key service (Vault transit, a cloud KMS) behind the same interface:
the platform only ever asks it to wrap and unwrap tenant keys.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from omniwise.config import ConfigError
from omniwise.kit.clock import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WrappedKey:
    key_id: str
    blob: bytes


class MasterKeyProvider(Protocol):
    def active_key_id(self) -> str: ...

    def wrap(self, key: bytes, *, context: bytes) -> WrappedKey: ...

    def unwrap(self, wrapped: WrappedKey, *, context: bytes) -> bytes: ...

    def add_key(self) -> str:
        """Create a new master key and make it the active one; older keys still unwrap."""
        ...

    def retire_keys_except(self, key_id: str) -> list[str]:
        """Forget every master key but `key_id`; returns the ids forgotten."""
        ...


class UnknownMasterKey(Exception):
    """A wrapped key names a master key this provider does not hold."""


class _AesKeyWrapping:
    """Shared AES-GCM wrapping over a dict of master keys."""

    _keys: dict[str, bytes]
    _active: str

    def active_key_id(self) -> str:
        return self._active

    def wrap(self, key: bytes, *, context: bytes) -> WrappedKey:
        nonce = os.urandom(12)
        blob = nonce + AESGCM(self._keys[self._active]).encrypt(nonce, key, context)
        return WrappedKey(self._active, blob)

    def unwrap(self, wrapped: WrappedKey, *, context: bytes) -> bytes:
        master = self._keys.get(wrapped.key_id)
        if master is None:
            raise UnknownMasterKey(f"master key {wrapped.key_id} is not available")
        try:
            return AESGCM(master).decrypt(wrapped.blob[:12], wrapped.blob[12:], context)
        except InvalidTag:
            raise UnknownMasterKey(f"key wrapped by {wrapped.key_id} did not authenticate") from None


def _new_key_id() -> str:
    return f"mk-{utcnow():%Y%m%d%H%M%S}-{secrets.token_hex(4)}"


class InMemoryKeyProvider(_AesKeyWrapping):
    """Master keys that live only as long as the process; for tests."""

    def __init__(self) -> None:
        self._active = _new_key_id()
        self._keys = {self._active: AESGCM.generate_key(bit_length=256)}

    def add_key(self) -> str:
        key_id = _new_key_id()
        self._keys[key_id] = AESGCM.generate_key(bit_length=256)
        self._active = key_id
        return key_id

    def retire_keys_except(self, key_id: str) -> list[str]:
        retired = [k for k in self._keys if k != key_id]
        self._keys = {key_id: self._keys[key_id]}
        return retired


class LocalKeyFileProvider(_AesKeyWrapping):
    """Master keys in a JSON file readable by the service user only (mode 0600).

    Fine for the embedded default and development; production should hold the master
    key in a key service so that a stolen disk does not carry it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.exists():
            self._create()
        self._load()

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        key_id = _new_key_id()
        content = {"active": key_id, "keys": {key_id: _b64(AESGCM.generate_key(bit_length=256))}}
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return  # another process created it first; load that one
        with os.fdopen(fd, "w") as handle:
            json.dump(content, handle)
        log.warning(
            "created a local master key file at %s (mode 0600); in production keep the "
            "master key in a key service such as Vault transit or a cloud KMS",
            self.path,
        )

    def _load(self) -> None:
        where = f"OMNIWISE_MASTER_KEY_FILE ({self.path})"
        mode = stat.S_IMODE(self.path.stat().st_mode)
        if mode & 0o077:
            raise ConfigError(f"{where}: permissions {mode:04o} are too open; run chmod 600")
        try:
            content = json.loads(self.path.read_text())
            keys = {str(k): base64.b64decode(v, validate=True) for k, v in content["keys"].items()}
            active = str(content["active"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"{where}: not a valid master key file ({type(exc).__name__})") from None
        if active not in keys or any(len(k) != 32 for k in keys.values()):
            raise ConfigError(f"{where}: the active key is missing or a key is not 256 bits")
        self._keys, self._active = keys, active

    def _save(self) -> None:
        content = {"active": self._active, "keys": {k: _b64(v) for k, v in self._keys.items()}}
        tmp = self.path.with_suffix(".tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(content, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    def add_key(self) -> str:
        key_id = _new_key_id()
        self._keys[key_id] = AESGCM.generate_key(bit_length=256)
        self._active = key_id
        self._save()
        return key_id

    def retire_keys_except(self, key_id: str) -> list[str]:
        retired = [k for k in self._keys if k != key_id]
        self._keys = {key_id: self._keys[key_id]}
        self._active = key_id
        self._save()
        return retired


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()
