"""Benchmark: rows anonymised and deleted per second by the retention sweep on PostgreSQL, against row by row.

A scratch database gets 1,000,000 expired usage events (anonymised by the sweep: the
actor id dropped) and 1,000,000 expired consent records (deleted), each beside 100,000
rows still inside their period. The sweep is the real one (`run_retention`: the policy's
periods, holds, batches of one transaction each, the run record). The baseline does the
same work the way a loop over rows does it: one statement and one commit per row, on a
sample of expired rows measured in the same run and extrapolated per row.

    uv run python bench/retention.py [--rows 1000000] [--sample 5000] [--batch 10000]

OMNIWISE_BENCH_PG_URL names the server (default postgresql://postgres@127.0.0.1:5432/postgres);
the scratch database is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
from sqlalchemy import Engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from omniwise.auth.actor import SYSTEM
from omniwise.config import Settings
from omniwise.migrate import upgrade_all
from omniwise.retention.models import RetentionRun
from omniwise.retention.sweep import DEFAULT_BATCH_SIZE, run_retention
from omniwise.runtime import Runtime, build_runtime

ADMIN_URL = os.environ.get("OMNIWISE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
GOAL_ROWS_PER_SECOND = 50_000
GOAL_RATIO = 20
FRESH_ROWS = 100_000

EVENTS = """
INSERT INTO usage_events (tenant_id, actor_type, actor_id, feature, outcome, occurred_at)
SELECT :tenant, 'api_key', 'key-' || (g % 5000), 'GET /api/v1/tenants/{tenant_id}/contacts', '2xx',
       now() - make_interval(days => :age_days, secs => g)
FROM generate_series(1, :n) AS g
"""
CONSENTS = """
INSERT INTO consent_records (consent_id, choices, gpc, source, notice_sha256, cookies_sha256, ip_hmac, recorded_at)
SELECT gen_random_uuid(), '{"analytics": true, "marketing": false}'::json, false, 'banner',
       repeat('a', 64), repeat('b', 64), md5(g::text) || md5((g + 1)::text),
       now() - make_interval(days => :age_days, secs => g)
FROM generate_series(1, :n) AS g
"""


def fill(engine: Engine, statement: str, *, n: int, age_days: int, tenant: uuid.UUID | None = None) -> None:
    with engine.begin() as conn:
        conn.execute(text(statement), {"n": n, "age_days": age_days, "tenant": tenant})


def analyze(engine: Engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE usage_events"))
        conn.execute(text("VACUUM ANALYZE consent_records"))


def sweep(runtime: Runtime, category: str, batch: int) -> tuple[int, float]:
    started = time.perf_counter()
    run_id = run_retention(
        runtime, dry_run=False, started_by="bench", actor=SYSTEM, categories=[category], batch_size=batch
    )
    seconds = time.perf_counter() - started
    with runtime.transaction() as session:
        run = session.get(RetentionRun, run_id)
        assert run is not None
        assert run.status == "completed"
        done = sum(row.deleted + row.anonymised for row in run.categories)
        assert sum(row.errors for row in run.categories) == 0
    return done, seconds


def row_by_row(engine: Engine, select_ids: str, per_row: str, sample: int, *, commit_each: bool) -> float:
    """Rows per second of a loop that sends one statement per row (and commits after each, or once)."""
    with engine.connect() as conn:
        ids = [row[0] for row in conn.execute(text(select_ids), {"n": sample})]
    assert len(ids) == sample, f"only {len(ids)} expired rows for the baseline sample"
    started = time.perf_counter()
    with engine.connect() as conn:
        for row_id in ids:
            conn.execute(text(per_row), {"id": row_id})
            if commit_each:
                conn.commit()
        conn.commit()
    return sample / (time.perf_counter() - started)


def count(engine: Engine, statement: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(statement)).scalar_one())


def report(
    label: str, done: int, seconds: float, baselines: tuple[float, float], sample: int, check: Callable[[], int]
) -> bool:
    rate = done / seconds
    per_commit, one_transaction = baselines
    ratio = rate / per_commit
    left = check()
    print(f"{label}")
    print(f"  sweep:    {done:,} rows in {seconds:.2f} s = {rate:,.0f} rows/s ({left} expired rows left undone)")
    print(
        f"  baseline: {per_commit:,.0f} rows/s row by row, one statement and one commit per row (stop-safe like the "
        f"sweep); measured on {sample:,} rows, extrapolated per row: {done / per_commit:,.0f} s for {done:,} rows"
    )
    print(
        f"  also:     {one_transaction:,.0f} rows/s row by row in a single transaction (not stop-safe), "
        f"measured on {sample:,} rows: the sweep is {rate / one_transaction:,.1f}x that"
    )
    ok = rate >= GOAL_ROWS_PER_SECOND and ratio >= GOAL_RATIO and left == 0
    print(
        f"  ratio:    {ratio:,.1f}x the baseline  [{'meets' if ok else 'MISSES'} the goal: "
        f">= {GOAL_ROWS_PER_SECOND:,} rows/s and >= {GOAL_RATIO}x]"
    )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=5_000)
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH_SIZE)
    args = parser.parse_args()

    name = f"omniwise_bench_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
            version = conn.execute("SHOW server_version").fetchone()
    except psycopg.Error as exc:
        raise SystemExit(f"bench/retention.py needs PostgreSQL at {ADMIN_URL} ({type(exc).__name__})") from None
    url = f"{ADMIN_URL.rpartition('/')[0]}/{name}"
    ok = True
    try:
        with tempfile.TemporaryDirectory() as tmp:
            runtime = build_runtime(Settings(data_dir=Path(tmp), database_url=url, keystore_url=url))
            upgrade_all(runtime.engine, runtime.keyring.engine)
            engine = runtime.engine
            tenant = uuid.uuid4()
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO tenants (id, name, organisation, region, status, created_at) "
                        "VALUES (:id, 'Bench Ltd', '{}', 'eu', 'active', now())"
                    ),
                    {"id": tenant},
                )
            print(
                f"retention sweep on PostgreSQL {version[0] if version else '?'}, "
                f"batches of {args.batch:,} rows, one transaction each"
            )
            started = time.perf_counter()
            fill(engine, EVENTS, n=args.rows, age_days=420, tenant=tenant)  # past P13M
            fill(engine, EVENTS, n=FRESH_ROWS, age_days=1, tenant=tenant)
            fill(engine, CONSENTS, n=args.rows, age_days=420)
            fill(engine, CONSENTS, n=FRESH_ROWS, age_days=1)
            analyze(engine)
            print(f"  ({2 * (args.rows + FRESH_ROWS):,} rows written in {time.perf_counter() - started:.1f} s)")

            done, seconds = sweep(runtime, "usage_information", args.batch)
            baselines = []
            for commit_each in (True, False):
                fill(engine, EVENTS, n=args.sample, age_days=500, tenant=tenant)
                baselines.append(
                    row_by_row(
                        engine,
                        "SELECT id FROM usage_events WHERE actor_id IS NOT NULL "
                        "AND occurred_at < now() - interval '13 months' ORDER BY id LIMIT :n",
                        "UPDATE usage_events SET actor_id = NULL, actor_type = NULL WHERE id = :id",
                        args.sample,
                        commit_each=commit_each,
                    )
                )
            ok &= report(
                f"anonymise {args.rows:,} expired usage events (usage_information, P13M after collection) "
                f"among {args.rows + FRESH_ROWS:,}",
                done,
                seconds,
                (baselines[0], baselines[1]),
                args.sample,
                lambda: count(
                    engine,
                    "SELECT count(*) FROM usage_events WHERE actor_id IS NOT NULL "
                    "AND occurred_at < now() - interval '13 months'",
                ),
            )

            done, seconds = sweep(runtime, "cookies", args.batch)
            baselines = []
            for commit_each in (True, False):
                fill(engine, CONSENTS, n=args.sample, age_days=500)
                baselines.append(
                    row_by_row(
                        engine,
                        "SELECT id FROM consent_records WHERE recorded_at < now() - interval '13 months' "
                        "ORDER BY id LIMIT :n",
                        "DELETE FROM consent_records WHERE id = :id",
                        args.sample,
                        commit_each=commit_each,
                    )
                )
            ok &= report(
                f"delete {args.rows:,} expired consent records (cookies, P13M after collection) "
                f"among {args.rows + FRESH_ROWS:,}",
                done,
                seconds,
                (baselines[0], baselines[1]),
                args.sample,
                lambda: count(
                    engine, "SELECT count(*) FROM consent_records WHERE recorded_at < now() - interval '13 months'"
                ),
            )
            fresh = count(engine, "SELECT count(*) FROM usage_events WHERE actor_id IS NOT NULL")
            print(f"  (rows inside their period untouched: {fresh:,} usage events still with their actor id)")
            runtime.dispose()
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
