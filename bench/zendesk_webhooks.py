"""Benchmark: signed Zendesk webhook events accepted per second, end to end and stored durably, on PostgreSQL.

The platform runs as `omniwise serve` (one process, production mode: jobs go to Redis, so
the process only accepts) on a fresh PostgreSQL database. Each event is a signed
event-subscription payload; "accepted" means answered 2xx, which the platform gives only
once the event's row is committed. The baseline is a bare endpoint in the same run
(`zendesk_webhooks_bare.py`: raw ASGI on the same server, no signature check, no
encryption, no job) inserting the same row into the same table. Rounds alternate between
the two so that noise on a shared machine falls on both; medians are compared. Afterwards
the rows are counted: every accepted event must be in the database.

    uv run python bench/zendesk_webhooks.py [--events 6000] [--rounds 3] [--concurrency 128]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from fastapi.testclient import TestClient

from omniwise.app import create_app
from omniwise.auth.roles import Role
from omniwise.auth.service import create_api_key
from omniwise.config import Settings
from omniwise.migrate import upgrade_all
from omniwise.runtime import build_runtime

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = os.environ.get("OMNIWISE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("OMNIWISE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "bench-webhook-signing-secret"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def payload(n: int) -> bytes:
    """A realistic event: a comment added to a ticket, about 900 bytes."""
    event = {
        "account_id": 10001,
        "detail": {
            "actor_id": "380000101",
            "assignee_id": "380000005",
            "brand_id": "1",
            "created_at": "2026-11-20T10:00:00Z",
            "custom_status": "1",
            "description": "My order has not arrived and the tracking page says it was delivered.",
            "external_id": None,
            "form_id": "1",
            "group_id": "2",
            "id": str(1000 + n % 5000),
            "is_public": True,
            "organization_id": "360000011",
            "priority": "NORMAL",
            "requester_id": "380000101",
            "status": "OPEN",
            "subject": "Order not delivered",
            "submitter_id": "380000101",
            "tags": ["delivery"],
            "type": "INCIDENT",
            "updated_at": "2026-11-27T10:00:00Z",
            "via": {"channel": "web_service"},
        },
        "event": {
            "comment": {
                "id": str(900000000 + n),
                "body": "Could you check with the courier? I was home all day and nobody rang.",
                "is_public": True,
                "author": {"id": "380000101", "is_staff": False, "name": "Customer"},
            }
        },
        "id": str(uuid.uuid4()),
        "subject": f"zen:ticket:{1000 + n % 5000}",
        "time": "2026-11-27T10:00:00.000Z",
        "type": "zen:event-type:ticket.comment_added",
        "zendesk_event_version": "2022-11-06",
    }
    return json.dumps(event, separators=(",", ":")).encode()


def request(path: str, port: int, body: bytes) -> bytes:
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = base64.b64encode(hmac.new(SECRET.encode(), stamp.encode() + body, hashlib.sha256).digest()).decode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nX-Zendesk-Webhook-Signature: {signature}\r\n"
        f"X-Zendesk-Webhook-Signature-Timestamp: {stamp}\r\n\r\n"
    )
    return head.encode() + body


async def _client(port: int, requests: list[bytes], latencies: list[float], statuses: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for raw in requests:
            started = time.perf_counter()
            writer.write(raw)
            status = int((await reader.readline()).split()[1])
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            statuses.append(status)
    finally:
        writer.close()


def fire(port: int, requests: list[bytes], concurrency: int) -> tuple[float, int, list[float]]:
    """(events accepted per second, accepted, latencies) of sending `requests` over `concurrency` connections."""
    latencies: list[float] = []
    statuses: list[int] = []
    shares = [requests[i::concurrency] for i in range(concurrency)]

    async def run() -> None:
        await asyncio.gather(*(_client(port, share, latencies, statuses) for share in shares))

    started = time.perf_counter()
    asyncio.run(run())
    elapsed = time.perf_counter() - started
    accepted = sum(1 for s in statuses if 200 <= s < 300)
    return accepted / elapsed, accepted, latencies


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used (Linux), to set against the events it handled."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def setup(url: str, data_dir: str) -> tuple[str, str, str]:
    """A tenant with two connections (one per endpoint) on a migrated database: (tenant, platform, bare)."""
    runtime = build_runtime(Settings(data_dir=Path(data_dir), database_url=url, keystore_url=url))
    upgrade_all(runtime.engine, runtime.keyring.engine)
    try:
        with runtime.transaction() as session:
            token = create_api_key(session, name="bench", role=Role.VENDOR_ADMIN, tenant_id=None).token
        headers = {"Authorization": f"Bearer {token}"}
        with TestClient(create_app(runtime)) as client:
            tenant = client.post("/api/v1/tenants", json={"name": "Bench", "region": "eu"}, headers=headers).json()
            ids = []
            for subdomain in ("platform", "bare"):
                created = client.post(
                    f"/api/v1/tenants/{tenant['id']}/zendesk/connections",
                    json={
                        "subdomain": subdomain,
                        "auth": {"type": "api_token", "email": "admin@bench.example", "token": "t"},
                        "webhook_secret": SECRET,
                    },
                    headers=headers,
                )
                ids.append(created.json()["id"])
        return tenant["id"], ids[0], ids[1]
    finally:
        runtime.dispose()


def start(command: list[str], env: dict[str, str], log: str = os.devnull) -> subprocess.Popen[bytes]:
    with open(log, "wb") as stderr:
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)


def count(url: str, sql: str, *params: object) -> int:
    with psycopg.connect(url) as db:
        row = db.execute(sql, params).fetchone()
    return int(row[0]) if row else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=6000, help="events per round and endpoint")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=128, help="deliveries in flight at once")
    args = parser.parse_args()

    name, queue = f"omniwise_bench_{secrets.token_hex(4)}", f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN_URL.rpartition("/")[0] + "/" + name
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tenant_id, platform_id, bare_id = setup(url, tmp)
            env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIWISE_")}
            env.update(
                OMNIWISE_DATA_DIR=tmp,
                OMNIWISE_DATABASE_URL=url,
                OMNIWISE_KEYSTORE_URL=url,
                OMNIWISE_BROKER_URL=REDIS_URL,  # production mode: this process accepts, workers process
                OMNIWISE_WORKER_QUEUE=queue,
            )
            ports = free_port(), free_port()
            serve = os.environ.get("BENCH_SERVE_COMMAND", f"{sys.executable} -m omniwise serve --port").split()
            processes.append(start([*serve, str(ports[0])], env, os.environ.get("BENCH_SERVE_LOG", os.devnull)))
            bare = [sys.executable, str(ROOT / "bench" / "zendesk_webhooks_bare.py"), "--port", str(ports[1])]
            processes.append(start([*bare, "--database-url", url, "--tenant", tenant_id, "--connection", bare_id], env))
            wait_healthy(f"http://127.0.0.1:{ports[0]}/health", processes[0])
            wait_healthy(f"http://127.0.0.1:{ports[1]}/", processes[1])
            paths = (f"/webhooks/zendesk/{platform_id}", "/")

            def batch(which: int, size: int) -> list[bytes]:
                return [request(paths[which], ports[which], payload(n)) for n in range(size)]

            rates: list[list[float]] = [[], []]
            cpu, accepted, latencies = [0.0, 0.0], [0, 0], []
            for which in (0, 1):  # warm up
                accepted[which] += fire(ports[which], batch(which, 500), 16)[1]
            for _ in range(args.rounds):
                for which in (0, 1):
                    requests, before = batch(which, args.events), cpu_seconds(processes[which].pid)
                    rate, accepted_now, times = fire(ports[which], requests, args.concurrency)
                    cpu[which] += cpu_seconds(processes[which].pid) - before
                    rates[which].append(rate)
                    accepted[which] += accepted_now
                    latencies += times if which == 0 else []
            report(args, url, rates, cpu, accepted, sorted(latencies), (platform_id, bare_id))
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        broker = redis.Redis.from_url(REDIS_URL)
        for key in broker.scan_iter(match=f"omniwise:{queue}*"):
            broker.delete(key)
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report(
    args: argparse.Namespace,
    url: str,
    rates: list[list[float]],
    cpu: list[float],
    accepted: list[int],
    latencies: list[float],
    connections: tuple[str, str],
) -> None:
    by_connection = "SELECT count(*) FROM zendesk_webhook_events WHERE connection_id = %s"
    stored = [count(url, by_connection, connections[0]), count(url, by_connection, connections[1])]
    jobs = count(url, "SELECT count(*) FROM jobs WHERE name = %s", "zendesk.process_webhooks")
    ours, bare = statistics.median(rates[0]), statistics.median(rates[1])
    events = args.events * args.rounds
    p50, p99 = latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99)] * 1000

    def listed(values: list[float]) -> str:
        return ", ".join(f"{v:,.0f}" for v in values)

    print(f"Zendesk webhooks on PostgreSQL: {args.rounds} rounds of {args.events} signed events per endpoint,")
    print(f"{args.concurrency} deliveries in flight, one server process each")
    print(f"platform (verify, seal, dedupe, store, queue job): {ours:,.0f} events/s (rounds: {listed(rates[0])})")
    print(f"  latency p50 {p50:.1f} ms, p99 {p99:.1f} ms; server CPU per event {cpu[0] / events * 1000:.2f} ms")
    print(f"  {accepted[0]} accepted, {stored[0]} stored, {jobs} processing jobs queued")
    print(f"bare endpoint (insert the same row): {bare:,.0f} events/s (rounds: {listed(rates[1])})")
    print(f"  server CPU per event {cpu[1] / events * 1000:.2f} ms; {accepted[1]} accepted, {stored[1]} stored")
    print(f"ratio platform / bare: {ours / bare:.2f} (goal >= 0.50); platform goal >= 1,500 events/s")
    durable = stored == accepted
    print("every accepted event is stored" if durable else "ACCEPTED EVENTS MISSING FROM THE DATABASE")
    print("goal met" if durable and ours >= 1500 and ours / bare >= 0.5 else "goal NOT met")


if __name__ == "__main__":
    main()
