"""One-click unsubscribe (RFC 8058): signed links in promotional mail, and what they do when used."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from omniwise.auth.actor import Actor
from omniwise.errors import NotFound
from omniwise.keys import KeyRing
from omniwise.messaging.models import Suppression
from omniwise.messaging.suppression import suppress

KEY_LABEL = "messaging unsubscribe links"
VERSION = b"u1"
_SIGNATURE_BYTES = 16
# the person following the link is known only by the link itself
UNSUBSCRIBE_ACTOR = Actor(kind="unsubscribe_link", id="unsubscribe_link", role=None)


@dataclass(frozen=True)
class UnsubscribeToken:
    message_id: uuid.UUID
    address_key: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _signature(keyring: KeyRing, payload: bytes) -> bytes:
    secret = keyring.platform_secret(KEY_LABEL)
    return hmac.new(secret, VERSION + payload, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def make_token(keyring: KeyRing, *, message_id: uuid.UUID, address_key: str) -> str:
    """A link token naming the message and the address's keyed hash, signed; it never expires."""
    payload = message_id.bytes + bytes.fromhex(address_key)
    return _b64(VERSION + payload + _signature(keyring, payload))


def read_token(keyring: KeyRing, token: str) -> UnsubscribeToken:
    """The token's content, or NotFound for anything not signed by this platform."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise NotFound("this unsubscribe link is not valid") from None
    payload, signature = raw[len(VERSION) : -_SIGNATURE_BYTES], raw[-_SIGNATURE_BYTES:]
    if (
        not raw.startswith(VERSION)
        or len(payload) != 48
        or not hmac.compare_digest(signature, _signature(keyring, payload))
    ):
        raise NotFound("this unsubscribe link is not valid")
    return UnsubscribeToken(uuid.UUID(bytes=payload[:16]), payload[16:].hex())


def unsubscribe_url(public_url: str, token: str) -> str:
    return f"{public_url}/messaging/unsubscribe/{token}"


def unsubscribe(session: Session, keyring: KeyRing, *, token: str) -> Suppression:
    """Follow a one-click link: the address joins the suppression list (once)."""
    found = read_token(keyring, token)
    return suppress(
        session,
        address_key=found.address_key,
        reason="unsubscribed",
        actor=UNSUBSCRIBE_ACTOR,
        source_message_id=found.message_id,
    )


def check_token(keyring: KeyRing, *, token: str) -> None:
    """Raise NotFound unless the token is one of ours (the confirmation page shows only for real links)."""
    read_token(keyring, token)
