"""Blind indexes: keyed, truncated HMACs that let us find a row without storing the value.

Truncation to 16 bits makes many values share one index entry, so the index alone never
identifies anyone; lookups decrypt the few candidates and compare.
"""

from __future__ import annotations

import hashlib
import hmac

BLIND_INDEX_BITS = 16


def blind_index(index_key: bytes, field: str, normalised_value: str) -> int:
    digest = hmac.new(index_key, f"{field}\x00{normalised_value}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - BLIND_INDEX_BITS)
