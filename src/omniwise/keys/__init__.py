"""Key management: the master key provider, per-tenant and per-person keys, shredding."""

from omniwise.keys.keyring import KeyDestroyed, KeyRing
from omniwise.keys.providers import (
    InMemoryKeyProvider,
    LocalKeyFileProvider,
    MasterKeyProvider,
    WrappedKey,
)

__all__ = [
    "InMemoryKeyProvider",
    "KeyDestroyed",
    "KeyRing",
    "LocalKeyFileProvider",
    "MasterKeyProvider",
    "WrappedKey",
]
