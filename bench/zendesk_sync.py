"""Benchmark: tickets synced per minute against the Zendesk sandbox with Zendesk's real limits.

Zendesk allows 400 requests a minute (Professional plan) and 10 incremental exports a
minute, and the sandbox enforces both with 429 and Retry-After. A full sync costs about one
request per ticket (its comments), so the rate limit, not the platform, sets the pace; the
figure that matters is how much of the rate-limit budget the sync turns into work:

    share = (the least time the budget allows for the requests sent) / (the time the sync took)

For a sliding window of L requests per W seconds starting empty, R requests need at least
floor((R - 1) / L) * W seconds. The baseline, measured in the same run against a second
sandbox with the same data and a budget of its own, is a bare loop making the same calls
with nothing but Retry-After handling: no limiter, no database, no encryption.

    uv run python bench/zendesk_sync.py [--tickets 600] [--users 200]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from fastapi.testclient import TestClient

from omniwise.app import create_app
from omniwise.auth.actor import Actor
from omniwise.auth.roles import Role
from omniwise.auth.service import create_api_key
from omniwise.config import Settings
from omniwise.migrate import upgrade_all
from omniwise.runtime import Runtime, build_runtime
from omniwise.sandbox.emulator import SandboxConfig
from omniwise.sandbox.seed import SeedSizes
from omniwise.sandbox.server import SandboxServer
from omniwise.zendesk.foreground import sync_in_foreground

RATE_LIMIT = 400  # Zendesk Professional: requests a minute
EXPORT_LIMIT = 10  # incremental exports a minute
WINDOW = 60.0


def config(tickets: int, users: int) -> SandboxConfig:
    sizes = SeedSizes(organizations=max(1, users // 10), users=users, agents=5, tickets=tickets)
    return SandboxConfig(
        seed=11, sizes=sizes, rate_limit=RATE_LIMIT, incremental_limit=EXPORT_LIMIT, window_seconds=WINDOW
    )


def least_time(requests: int) -> float:
    return math.floor((requests - 1) / RATE_LIMIT) * WINDOW if requests > 0 else 0.0


def connect(runtime: Runtime, sandbox: SandboxServer) -> uuid.UUID:
    with runtime.transaction() as session:
        token = create_api_key(session, name="bench", role=Role.VENDOR_ADMIN, tenant_id=None).token
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(runtime)) as client:
        tenant = client.post("/api/v1/tenants", json={"name": "Bench Ltd", "region": "eu"}, headers=headers).json()
        created = client.post(
            f"/api/v1/tenants/{tenant['id']}/zendesk/connections",
            json={
                "subdomain": sandbox.config.subdomain,
                "base_url": sandbox.base_url,
                "auth": {"type": "api_token", "email": sandbox.config.email, "token": sandbox.config.api_token},
                "webhook_secret": "bench-webhook-secret",
            },
            headers=headers,
        )
        assert created.status_code == 201, created.text
        return uuid.UUID(created.json()["id"])


def platform_sync(tickets: int, users: int) -> tuple[float, int, int, int]:
    """(seconds, requests, refusals, refused twice) of a full sync by the platform."""
    with tempfile.TemporaryDirectory() as tmp, SandboxServer(config(tickets, users)) as sandbox:
        runtime = build_runtime(Settings(data_dir=Path(tmp)))
        upgrade_all(runtime.engine, runtime.keyring.engine)
        try:
            connection_id = connect(runtime, sandbox)
            started = time.monotonic()
            progress = sync_in_foreground(runtime, connection_id=connection_id, actor=Actor("system", "bench", None))
            elapsed = time.monotonic() - started
            assert progress.status == "succeeded", progress.error
            assert progress.counts.get("tickets_with_comments") == tickets
            stats = sandbox.sandbox.stats
            return elapsed, stats.requests, stats.refused, stats.refused_twice
        finally:
            runtime.dispose()


def bare_sync(tickets: int, users: int) -> tuple[float, int, int, int]:
    """The same calls from a bare loop that only honours Retry-After."""
    with SandboxServer(config(tickets, users)) as sandbox:
        auth = (f"{sandbox.config.email}/token", sandbox.config.api_token)
        headers = {
            "X-Zendesk-Marketplace-Name": "bench",
            "X-Zendesk-Marketplace-Organization-Id": "1",
            "X-Zendesk-Marketplace-App-Id": "1",
        }
        with httpx.Client(base_url=sandbox.base_url, auth=auth, headers=headers, timeout=30) as http:

            def get(path: str, **params: object) -> dict[str, object]:
                while True:
                    response = http.get(path, params=params)
                    if response.status_code == 429:
                        time.sleep(float(response.headers["retry-after"]))
                        continue
                    response.raise_for_status()
                    body: dict[str, object] = response.json()
                    return body

            started = time.monotonic()
            get("/api/v2/tickets/count.json")
            get("/api/v2/organizations.json", **{"page[size]": 100})
            get("/api/v2/incremental/users/cursor.json", start_time=0, per_page=1000)
            page = get("/api/v2/incremental/tickets/cursor.json", start_time=0, per_page=1000)
            ids = [int(t["id"]) for t in page["tickets"]]  # type: ignore[attr-defined]
            for ticket_id in ids:
                get(f"/api/v2/tickets/{ticket_id}/comments.json", **{"page[size]": 100})
            elapsed = time.monotonic() - started
        stats = sandbox.sandbox.stats
        return elapsed, stats.requests, stats.refused, stats.refused_twice


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=600)
    parser.add_argument("--users", type=int, default=200)
    args = parser.parse_args()
    print(f"Zendesk sync against the sandbox with real limits: {RATE_LIMIT} requests/min, {EXPORT_LIMIT} exports/min")
    print(f"data: {args.tickets} tickets, {args.users} customers (takes a few minutes: the limits are real)")

    ours, requests, refused, refused_twice = platform_sync(args.tickets, args.users)
    bare, bare_requests, bare_refused, _ = bare_sync(args.tickets, args.users)

    per_minute = args.tickets / ours * 60
    share = least_time(requests) / ours
    bare_share = least_time(bare_requests - bare_refused) / bare
    print(f"platform sync: {requests} requests in {ours:.1f}s, {refused} refused, {refused_twice} refused twice")
    print(f"  tickets synced per minute: {per_minute:.0f}")
    print(f"  share of the rate-limit budget: {share:.1%} (least time {least_time(requests):.0f}s; goal >= 90%)")
    print(f"bare loop (same calls, Retry-After only): {bare_requests} requests in {bare:.1f}s, {bare_refused} refused")
    print(f"  tickets per minute: {args.tickets / bare * 60:.0f}; share of the budget: {bare_share:.1%}")
    print(f"ratio platform / bare (tickets per minute): {bare / ours:.2f}")
    ok = share >= 0.9 and refused_twice == 0
    print("goal met" if ok else "goal NOT met")


if __name__ == "__main__":
    main()
