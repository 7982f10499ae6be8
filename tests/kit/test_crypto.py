"""Field encryption binds each ciphertext to its table, column and row; blind indexes truncate."""

from __future__ import annotations

import uuid

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from omniwise.kit.crypto import BLIND_INDEX_BITS, DecryptionError, FieldCipher, blind_index


def test_round_trip_and_fresh_nonce() -> None:
    cipher = FieldCipher(AESGCM.generate_key(bit_length=256))
    row = uuid.uuid4()
    first = cipher.seal("someone@example.org", table="contacts", column="email", row_id=row)
    second = cipher.seal("someone@example.org", table="contacts", column="email", row_id=row)
    assert first != second
    assert b"someone" not in first
    assert cipher.open(first, table="contacts", column="email", row_id=row) == "someone@example.org"


@pytest.mark.parametrize(
    ("table", "column", "other_row"),
    [("tickets", "email", False), ("contacts", "name", False), ("contacts", "email", True)],
)
def test_ciphertext_moved_elsewhere_does_not_open(table: str, column: str, other_row: bool) -> None:
    cipher = FieldCipher(AESGCM.generate_key(bit_length=256))
    row = uuid.uuid4()
    blob = cipher.seal("value", table="contacts", column="email", row_id=row)
    with pytest.raises(DecryptionError):
        cipher.open(blob, table=table, column=column, row_id=uuid.uuid4() if other_row else row)


def test_tampering_and_wrong_key_are_detected() -> None:
    key = AESGCM.generate_key(bit_length=256)
    row = uuid.uuid4()
    blob = bytearray(FieldCipher(key).seal("value", table="t", column="c", row_id=row))
    blob[-1] ^= 1
    with pytest.raises(DecryptionError):
        FieldCipher(key).open(bytes(blob), table="t", column="c", row_id=row)
    good = FieldCipher(key).seal("value", table="t", column="c", row_id=row)
    with pytest.raises(DecryptionError):
        FieldCipher(AESGCM.generate_key(bit_length=256)).open(good, table="t", column="c", row_id=row)


def test_blind_index_is_keyed_and_truncated() -> None:
    key_a, key_b = b"a" * 32, b"b" * 32
    value = blind_index(key_a, "email", "someone@example.org")
    assert value == blind_index(key_a, "email", "someone@example.org")
    assert 0 <= value < 2**BLIND_INDEX_BITS
    assert value != blind_index(key_b, "email", "someone@example.org") or value != blind_index(key_b, "email", "x")
    # truncation means collisions exist: many values share each index entry
    values = {blind_index(key_a, "email", f"user{i}@example.org") for i in range(200_000)}
    assert len(values) < 200_000
