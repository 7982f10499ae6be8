"""AES-256-GCM for personal fields, with associated data binding table, column and row.

A ciphertext copied into another row or column fails authentication, so rows cannot be
swapped to leak one person's data under another's id.
"""

from __future__ import annotations

import os
import uuid

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_V1 = b"\x01"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A ciphertext did not authenticate: wrong key, wrong row binding, or tampering."""


def field_aad(table: str, column: str, row_id: uuid.UUID) -> bytes:
    return f"{table}.{column}.{row_id}".encode()


class FieldCipher:
    """Seals and opens the fields of one person under that person's key."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("field keys are 256 bits")
        self._aead = AESGCM(key)

    def seal(self, value: str, *, table: str, column: str, row_id: uuid.UUID) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        aad = f"{table}.{column}.{row_id}".encode()
        return FORMAT_V1 + nonce + self._aead.encrypt(nonce, value.encode(), aad)

    def open(self, blob: bytes, *, table: str, column: str, row_id: uuid.UUID) -> str:
        if blob[:1] != FORMAT_V1:
            raise DecryptionError(f"unknown ciphertext format in {table}.{column}")
        aad = f"{table}.{column}.{row_id}".encode()
        try:
            plain = self._aead.decrypt(blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :], aad)
        except InvalidTag:
            raise DecryptionError(f"{table}.{column} of row {row_id} did not authenticate") from None
        return plain.decode()

    def seal_optional(self, value: str | None, *, table: str, column: str, row_id: uuid.UUID) -> bytes | None:
        return None if value is None else self.seal(value, table=table, column=column, row_id=row_id)

    def open_optional(self, blob: bytes | None, *, table: str, column: str, row_id: uuid.UUID) -> str | None:
        return None if blob is None else self.open(blob, table=table, column=column, row_id=row_id)
