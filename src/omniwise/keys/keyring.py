"""The key ring: master key -> tenant key -> one key per person.

Keys live in a key store of their own (`OMNIWISE_KEYSTORE_URL`, by default a separate
SQLite file with secure delete). A copy of the data database therefore never carries the
keys: once a person's key is destroyed, their ciphertext in the live database and in
every backup or copy of it is unreadable. Key-store writes commit at once; a key created
for a transaction that later rolls back is an orphan that protects nothing and harms
nothing.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, cast

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import CursorResult, Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from omniwise.keys.models import SubjectKey, TenantKey
from omniwise.keys.providers import MasterKeyProvider, WrappedKey
from omniwise.kit.clock import utcnow
from omniwise.kit.crypto import FieldCipher


class KeyDestroyed(Exception):
    """The person's key no longer exists: their data has been crypto-shredded."""


@dataclass(frozen=True)
class RotationReport:
    new_master_key_id: str
    tenant_keys_rewrapped: int
    retired_master_key_ids: list[str]


# The platform's own secret (for keyed hashes and signatures that are no tenant's) is kept
# like a tenant key under this id: wrapped by the master key, re-wrapped when it rotates.
PLATFORM_KEY_ID = uuid.UUID(int=0)


def _tenant_context(tenant_id: uuid.UUID) -> bytes:
    return f"tenant-key|{tenant_id}".encode()


def _subject_context(tenant_id: uuid.UUID, subject_id: uuid.UUID) -> bytes:
    return f"subject-key|{tenant_id}|{subject_id}".encode()


class KeyRing:
    """Creates, unwraps, caches and destroys data keys.

    Unwrapped keys are cached for `cache_seconds` so that the hot path (a field sealed or
    opened) costs one dict lookup on top of AES-GCM. Destroying a key evicts it here at
    once; other processes drop it when their cache entry expires.
    """

    def __init__(self, provider: MasterKeyProvider, keystore: Engine, *, cache_seconds: float = 60.0) -> None:
        self.provider = provider
        self.engine = keystore
        self._sessions: sessionmaker[Session] = sessionmaker(bind=keystore, expire_on_commit=False)
        self._ttl = cache_seconds
        self._tenant_cache: dict[uuid.UUID, tuple[bytes, float]] = {}
        self._subject_cache: dict[uuid.UUID, tuple[FieldCipher, float]] = {}
        self._secrets_cache: dict[uuid.UUID, tuple[FieldCipher, float]] = {}
        self._lock = threading.Lock()

    # tenant keys

    def create_tenant_key(self, tenant_id: uuid.UUID) -> None:
        key = AESGCM.generate_key(bit_length=256)
        wrapped = self.provider.wrap(key, context=_tenant_context(tenant_id))
        with self._sessions.begin() as session:
            if session.get(TenantKey, tenant_id) is not None:
                return
            session.add(TenantKey(tenant_id=tenant_id, master_key_id=wrapped.key_id, wrapped_key=wrapped.blob))
        self._tenant_cache[tenant_id] = (key, time.monotonic() + self._ttl)

    def _tenant_key(self, tenant_id: uuid.UUID) -> bytes:
        cached = self._tenant_cache.get(tenant_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        with self._sessions() as session:
            row = session.get(TenantKey, tenant_id)
            if row is None:
                raise KeyDestroyed(f"tenant {tenant_id} has no key")
            key = self.provider.unwrap(
                WrappedKey(row.master_key_id, row.wrapped_key), context=_tenant_context(tenant_id)
            )
        self._tenant_cache[tenant_id] = (key, time.monotonic() + self._ttl)
        return key

    def index_key(self, tenant_id: uuid.UUID) -> bytes:
        """The tenant's blind-index key, derived so it never equals the data key."""
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"omniwise blind index v1").derive(
            self._tenant_key(tenant_id)
        )

    def platform_secret(self, label: str) -> bytes:
        """A 32-byte secret of the platform for one use (`label`), stable across master-key rotations."""
        try:
            root = self._tenant_key(PLATFORM_KEY_ID)
        except KeyDestroyed:
            # another process may create it first: theirs is then the one, read back below
            with contextlib.suppress(IntegrityError):
                self.create_tenant_key(PLATFORM_KEY_ID)
            self._tenant_cache.pop(PLATFORM_KEY_ID, None)
            root = self._tenant_key(PLATFORM_KEY_ID)
        info = f"omniwise platform secret v1|{label}".encode()
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(root)

    def tenant_cipher(self, tenant_id: uuid.UUID) -> FieldCipher:
        """A cipher for the tenant's own secrets (integration tokens), derived from the tenant key.

        Credentials belong to the business, not to a person: erasing a person must never
        make them unreadable, and shredding the tenant must.
        """
        cached = self._secrets_cache.get(tenant_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"omniwise tenant secrets v1").derive(
            self._tenant_key(tenant_id)
        )
        cipher = FieldCipher(key)
        self._secrets_cache[tenant_id] = (cipher, time.monotonic() + self._ttl)
        return cipher

    def destroy_tenant_key(self, tenant_id: uuid.UUID) -> None:
        """Shred a whole tenant: every person's key goes with the tenant's."""
        with self._sessions.begin() as session:
            session.execute(delete(SubjectKey).where(SubjectKey.tenant_id == tenant_id))
            session.execute(delete(TenantKey).where(TenantKey.tenant_id == tenant_id))
        self._tenant_cache.pop(tenant_id, None)
        self._secrets_cache.pop(tenant_id, None)
        with self._lock:
            for subject_id in [s for s in self._subject_cache]:
                self._subject_cache.pop(subject_id, None)

    # subject keys

    def create_subject_key(self, tenant_id: uuid.UUID, subject_id: uuid.UUID) -> FieldCipher:
        key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        blob = nonce + AESGCM(self._tenant_key(tenant_id)).encrypt(nonce, key, _subject_context(tenant_id, subject_id))
        with self._sessions.begin() as session:
            session.add(SubjectKey(subject_id=subject_id, tenant_id=tenant_id, wrapped_key=blob))
        cipher = FieldCipher(key)
        self._subject_cache[subject_id] = (cipher, time.monotonic() + self._ttl)
        return cipher

    def cipher(self, tenant_id: uuid.UUID, subject_id: uuid.UUID) -> FieldCipher:
        """The cipher for one person's fields; raises KeyDestroyed once they are shredded."""
        cached = self._subject_cache.get(subject_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        with self._sessions() as session:
            row = session.get(SubjectKey, subject_id)
            if row is None or row.tenant_id != tenant_id:
                raise KeyDestroyed(f"subject {subject_id} has no key")
            blob = row.wrapped_key
        key = AESGCM(self._tenant_key(tenant_id)).decrypt(blob[:12], blob[12:], _subject_context(tenant_id, subject_id))
        cipher = FieldCipher(key)
        self._subject_cache[subject_id] = (cipher, time.monotonic() + self._ttl)
        return cipher

    def destroy_subject_key(self, subject_id: uuid.UUID) -> bool:
        """Crypto-shred one person. Returns False if the key was already gone."""
        self._subject_cache.pop(subject_id, None)
        with self._sessions.begin() as session:
            result = cast(
                "CursorResult[Any]", session.execute(delete(SubjectKey).where(SubjectKey.subject_id == subject_id))
            )
        self._subject_cache.pop(subject_id, None)
        return bool(result.rowcount)

    def destroy_subject_keys(self, subject_ids: Collection[uuid.UUID]) -> int:
        """Crypto-shred many people in one key-store statement; how many keys existed.

        Retention sweeps erase people by the thousand: one DELETE ... IN per batch instead
        of a transaction per person.
        """
        ids = list(dict.fromkeys(subject_ids))
        if not ids:
            return 0
        for subject_id in ids:
            self._subject_cache.pop(subject_id, None)
        with self._sessions.begin() as session:
            result = cast(
                "CursorResult[Any]", session.execute(delete(SubjectKey).where(SubjectKey.subject_id.in_(ids)))
            )
        for subject_id in ids:
            self._subject_cache.pop(subject_id, None)
        return int(result.rowcount)

    def has_subject_key(self, subject_id: uuid.UUID) -> bool:
        with self._sessions() as session:
            return session.get(SubjectKey, subject_id) is not None

    # master key rotation

    def rotate_master(self) -> RotationReport:
        """Wrap every tenant key under a new master key; data and person keys stay as they are.

        The new key is added first (old ones still unwrap), every tenant key is re-wrapped
        in one key-store transaction, and only then are the old master keys forgotten. A
        crash at any point leaves a key file that can still unwrap every stored key.
        """
        new_id = self.provider.add_key()
        count = 0
        with self._sessions.begin() as session:
            for row in session.scalars(select(TenantKey).with_for_update()):
                context = _tenant_context(row.tenant_id)
                key = self.provider.unwrap(WrappedKey(row.master_key_id, row.wrapped_key), context=context)
                wrapped = self.provider.wrap(key, context=context)
                row.master_key_id, row.wrapped_key = wrapped.key_id, wrapped.blob
                row.rewrapped_at = utcnow()
                count += 1
        retired = self.provider.retire_keys_except(new_id)
        self._tenant_cache.clear()
        return RotationReport(new_id, count, retired)
