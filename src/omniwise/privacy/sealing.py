"""The requester's address and requested corrections, sealed under a platform key; one-time tokens by hash.

A request may concern no business (a person writing to us directly), so its address cannot
be sealed under a tenant's or a person's key: it is sealed under a key derived from the
platform secret (AES-256-GCM, bound to the row) and cleared when the request closes. The
keyed hash of the normalised address is the suppression list's own (`address_hmac`), so a
request and an opt-out name the same mailbox the same way.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Mapping

from omniwise.keys import KeyRing
from omniwise.kit.crypto.fields import FieldCipher
from omniwise.messaging.suppression import address_hmac, normalise_address

KEY_LABEL = "privacy requests"
TABLE = "privacy_requests"
TOKEN_BYTES = 32  # 256 bits; the issue asks for at least 128


def cipher(keyring: KeyRing) -> FieldCipher:
    return FieldCipher(keyring.platform_secret(KEY_LABEL))


def address_key(keyring: KeyRing, email: str) -> str:
    return address_hmac(keyring, email)


def seal_email(keyring: KeyRing, request_id: uuid.UUID, email: str) -> bytes:
    return cipher(keyring).seal(normalise_address(email), table=TABLE, column="email", row_id=request_id)


def open_email(keyring: KeyRing, request_id: uuid.UUID, blob: bytes) -> str:
    return cipher(keyring).open(blob, table=TABLE, column="email", row_id=request_id)


def seal_changes(keyring: KeyRing, request_id: uuid.UUID, changes: Mapping[str, str]) -> bytes:
    text = json.dumps(dict(changes), sort_keys=True)
    return cipher(keyring).seal(text, table=TABLE, column="corrections", row_id=request_id)


def open_changes(keyring: KeyRing, request_id: uuid.UUID, blob: bytes | None) -> dict[str, str]:
    if blob is None:
        return {}
    loaded = json.loads(cipher(keyring).open(blob, table=TABLE, column="corrections", row_id=request_id))
    return {str(k): str(v) for k, v in loaded.items()}


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
