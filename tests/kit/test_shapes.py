"""Free texts that must hold no personal data: refused by shape, ids excepted."""

from __future__ import annotations

import uuid

import pytest

from omniwise.kit.shapes import looks_personal


@pytest.mark.parametrize(
    "text",
    ["write to ada@example.org", "call +44 20 7946 0958", "account 004928301837", "Ada@Example.ORG"],
)
def test_addresses_and_numbers_are_caught(text: str) -> None:
    assert looks_personal(text)


@pytest.mark.parametrize(
    "text",
    [
        "/portal/requests/3f0c9a52-1b2c-4d5e-8f90-492830183746",  # nine digits in a row, but an id
        "ID card seen in person on 2026-11-28",
        "PR-7KQ2MX",
        "Zendesk agent 368123",
    ],
)
def test_ids_and_plain_words_pass(text: str) -> None:
    assert not looks_personal(text)


def test_no_random_id_is_taken_for_a_number() -> None:
    assert not any(looks_personal(f"request {uuid.uuid4()}") for _ in range(2000))
