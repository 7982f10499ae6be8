"""Password hashing at its lowest allowed cost, so that the many sign-ins of these tests stay fast."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNIWISE_PASSWORD_HASH_MEMORY_KIB", "8192")
    monkeypatch.setenv("OMNIWISE_PASSWORD_HASH_TIME_COST", "1")
