"""Sealing account fields under each person's key, and the keyed hash that finds an account by email.

Tenant users are data subjects of their tenant, so their key hangs under the tenant's key
like a contact's. Vendor staff belong to no tenant: their keys hang under the vendor
scope, a key-store scope with a reserved id that no tenant can have. The sign-in lookup
hash is keyed by a key derived from that scope, so it is the same for every account and
cannot be computed from a copy of the data database alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import uuid

from sqlalchemy.exc import IntegrityError

from omniwise.contacts.schemas import normalise_email
from omniwise.keys import KeyDestroyed, KeyRing
from omniwise.keys.keyring import PLATFORM_KEY_ID
from omniwise.kit.crypto import FieldCipher
from omniwise.users.models import User

TABLE = "users"
# Staff belong to no tenant: their keys hang under the platform's own key id (the nil UUID,
# which no tenant has), next to the platform secrets derived from the same wrapped key.
VENDOR_SCOPE = PLATFORM_KEY_ID


def ensure_vendor_scope(keyring: KeyRing) -> None:
    """Create the vendor scope's key on first use; concurrent first uses settle on one."""
    try:
        keyring.index_key(VENDOR_SCOPE)
    except KeyDestroyed:
        with contextlib.suppress(IntegrityError):
            keyring.create_tenant_key(VENDOR_SCOPE)


def email_key(email: str) -> str:
    """The form of an address that sign-in compares: validated, normalised, case-folded."""
    return normalise_email(email).casefold()


def login_hash(keyring: KeyRing, email: str) -> str:
    ensure_vendor_scope(keyring)
    key = keyring.index_key(VENDOR_SCOPE)
    return hmac.new(key, b"login-email\x00" + email_key(email).encode(), hashlib.sha256).hexdigest()


def key_scope(user: User) -> tuple[uuid.UUID, uuid.UUID]:
    """(scope, key id) of the person's key: their tenant and subject, or the vendor scope and their id."""
    if user.tenant_id is not None and user.subject_id is not None:
        return user.tenant_id, user.subject_id
    return VENDOR_SCOPE, user.id


def cipher_for(keyring: KeyRing, user: User) -> FieldCipher:
    scope, key_id = key_scope(user)
    return keyring.cipher(scope, key_id)


def seal(cipher: FieldCipher, user: User, column: str, value: str | None) -> bytes | None:
    return cipher.seal_optional(value, table=TABLE, column=column, row_id=user.id)


def open_field(keyring: KeyRing, user: User, column: str) -> str | None:
    blob = getattr(user, f"{column}_ct")
    return cipher_for(keyring, user).open_optional(blob, table=TABLE, column=column, row_id=user.id)
