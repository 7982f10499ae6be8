"""Time-based one-time passwords (RFC 6238) for the second sign-in step.

A code is accepted one 30-second step either side of now, to allow for clock drift, and
each step's code is accepted only once, so a code seen over someone's shoulder cannot be
replayed.
"""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

ISSUER = "Omni Wise"
STEP_SECONDS = 30
DRIFT_STEPS = 1


def new_secret() -> str:
    """160 random bits in base32, the length RFC 4226 recommends."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, *, account: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def accepted_counter(secret: str, code: str, *, now: datetime, last_counter: int | None) -> int | None:
    """The time step `code` belongs to, if it is valid now and newer than the last one used."""
    code = "".join(code.split())
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for counter in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_counter is not None and counter <= last_counter:
            continue
        if hmac.compare_digest(totp.generate_otp(counter), code):
            return counter
    return None
