"""Password hashing with Argon2id, and the rules a new password must meet.

The cost comes from the settings so that an operator can raise it as machines get faster;
a hash made under older settings is replaced at the next successful sign-in.
"""

from __future__ import annotations

import contextlib
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from omniwise.config import Settings
from omniwise.errors import ValidationFailed

MIN_LENGTH = 12
MAX_LENGTH = 1024


@functools.cache
def _hasher(memory_kib: int, time_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=2)


def hasher(settings: Settings) -> PasswordHasher:
    return _hasher(settings.password_hash_memory_kib, settings.password_hash_time_cost)


@functools.cache
def _dummy_hash(memory_kib: int, time_cost: int) -> str:
    return _hasher(memory_kib, time_cost).hash("an account that does not exist")


def check_rules(password: str) -> None:
    """Length is what makes a password strong; composition rules only make it harder to remember."""
    if len(password) < MIN_LENGTH:
        raise ValidationFailed(f"password: must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise ValidationFailed(f"password: must be at most {MAX_LENGTH} characters")
    if not password.strip():
        raise ValidationFailed("password: must not be only spaces")


def hash_password(settings: Settings, password: str) -> str:
    return hasher(settings).hash(password)


def verify_password(settings: Settings, stored: str | None, password: str) -> tuple[bool, str | None]:
    """(matches, a new hash when the stored one was made with other settings).

    With no stored hash (no such account) a dummy hash is checked all the same, so that
    the answer takes as long for an unknown address as for a wrong password.
    """
    ph = hasher(settings)
    if stored is None:
        with contextlib.suppress(VerificationError, InvalidHashError):
            ph.verify(_dummy_hash(settings.password_hash_memory_kib, settings.password_hash_time_cost), password)
        return False, None
    try:
        ph.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False, None
    return True, (ph.hash(password) if ph.check_needs_rehash(stored) else None)
