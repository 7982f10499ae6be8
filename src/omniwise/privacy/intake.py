"""Limits on the public intake: per client address and per requester address (by its keyed hash).

Counted in memory, like sign-in failures: enough to stop one client filling a mailbox with
verification links, or one address being flooded from many clients. A refusal is 429 with
Retry-After, and reads the same whether or not we hold anything of the address.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from omniwise.errors import TooManyRequests, ValidationFailed
from omniwise.privacy import sealing
from omniwise.privacy.schemas import PublicRequestCreate
from omniwise.privacy.service import EMAIL, PUBLIC, open_request
from omniwise.runtime import Runtime
from omniwise.users.throttle import AddressThrottle

PER_CLIENT = 10  # requests per client address per hour
PER_ADDRESS = 3  # requests per requester address per hour
WINDOW_SECONDS = 3600.0


class IntakeLimits:
    def __init__(self, *, per_client: int = PER_CLIENT, per_address: int = PER_ADDRESS) -> None:
        self.clients = AddressThrottle(max_failures=per_client, window_seconds=WINDOW_SECONDS)
        self.addresses = AddressThrottle(max_failures=per_address, window_seconds=WINDOW_SECONDS)

    def admit(self, *, client: str, address_key: str) -> None:
        """Count one request, or raise TooManyRequests (429) with Retry-After if either limit is reached."""
        for throttle, key in ((self.clients, client), (self.addresses, address_key)):
            wait = throttle.retry_after(key)
            if wait is not None:
                raise TooManyRequests("too many privacy requests; try again later", headers={"Retry-After": str(wait)})
        self.clients.failed(client)
        self.addresses.failed(address_key)


def submit_public(
    session: Session, runtime: Runtime, *, limits: IntakeLimits, client: str, body: PublicRequestCreate
) -> None:
    """The public form: counted against the limits, then opened unverified (a confirmation link is sent)."""
    if not EMAIL.match(body.email.strip()):
        raise ValidationFailed("email: not an email address")
    limits.admit(client=client, address_key=sealing.address_key(runtime.keyring, body.email))
    open_request(
        session,
        runtime,
        type=body.type,
        email=body.email,
        tenant_id=body.tenant_id,
        jurisdiction=body.jurisdiction,
        channel="public",
        actor=PUBLIC,
        verified_by=None,
        changes=body.changes,
    )
