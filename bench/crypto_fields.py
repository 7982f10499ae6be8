"""Benchmark: personal fields sealed and opened per second through the key ring, against raw AES-GCM.

Both paths encrypt the same values (names, emails, phone numbers, job titles of many
people) with the same associated data; the platform path adds the key ring lookup (per
person, cached) and the versioned ciphertext format. Rounds alternate between the two so
that noise on a shared machine hits both alike; the medians are compared.

    uv run python bench/crypto_fields.py [--people 200] [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from omniwise.config import Settings
from omniwise.migrate import upgrade_all
from omniwise.runtime import build_runtime

FIELDS = ("name", "email", "phone", "job_title")


def sample(people: int) -> list[tuple[uuid.UUID, uuid.UUID, str, str]]:
    """(subject, row, column, value) for every field of every person."""
    rows = []
    for i in range(people):
        subject, row = uuid.uuid4(), uuid.uuid4()
        values = (f"Person Number {i}", f"person{i}@example.org", f"+4420794{i:05d}", "Head of Customer Success")
        rows += [(subject, row, column, value) for column, value in zip(FIELDS, values, strict=True)]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        runtime = build_runtime(Settings(data_dir=Path(tmp)))
        upgrade_all(runtime.engine, runtime.keyring.engine)
        keyring = runtime.keyring
        tenant = uuid.uuid4()
        keyring.create_tenant_key(tenant)
        data = sample(args.people)
        raw_keys = {}
        for subject, _row, _column, _value in data[:: len(FIELDS)]:
            keyring.create_subject_key(tenant, subject)
            raw_keys[subject] = AESGCM(AESGCM.generate_key(bit_length=256))

        def platform_round() -> float:
            start = time.perf_counter()
            for subject, row, column, value in data:
                cipher = keyring.cipher(tenant, subject)
                blob = cipher.seal(value, table="contacts", column=column, row_id=row)
                cipher.open(blob, table="contacts", column=column, row_id=row)
            return 2 * len(data) / (time.perf_counter() - start)

        def raw_round() -> float:
            start = time.perf_counter()
            for subject, row, column, value in data:
                aead = raw_keys[subject]
                aad = f"contacts.{column}.{row}".encode()
                nonce = os.urandom(12)
                blob = aead.encrypt(nonce, value.encode(), aad)
                aead.decrypt(nonce, blob, aad).decode()
            return 2 * len(data) / (time.perf_counter() - start)

        platform_round(), raw_round()  # warm caches and allocators
        platform, raw = [], []
        for _ in range(args.rounds):
            raw.append(raw_round())
            platform.append(platform_round())
        runtime.dispose()

    p, r = statistics.median(platform), statistics.median(raw)
    print(f"fields per round: {2 * len(data)} ({args.people} people x {len(FIELDS)} fields, sealed and opened)")
    print(f"raw AES-GCM:      {r:12,.0f} field operations/s (median of {args.rounds})")
    print(f"platform key ring:{p:12,.0f} field operations/s (median of {args.rounds})")
    print(f"ratio platform/raw: {p / r:.2f} (goal: at least 0.50)")


if __name__ == "__main__":
    main()
