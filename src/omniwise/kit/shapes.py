"""Whether a free text looks like it holds someone's address or phone number.

Texts that must never carry personal data (a message's parameters, a refusal's reason,
how a person's identity was checked) are refused when they look like they do. The
check is by shape, so it must not refuse the ids the platform itself makes: one random
UUID in thirty has nine digits in a row in its last group ("…-492830183746").
"""

from __future__ import annotations

import re

_PERSONAL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+|\+\d[\d ()-]{6,}\d|\d{9,}")
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE)


def looks_personal(text: str) -> bool:
    """True when the text, ids aside, holds something shaped like an email address or a phone number."""
    return _PERSONAL.search(_UUID.sub("", text)) is not None
