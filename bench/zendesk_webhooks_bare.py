"""The bare endpoint the webhook benchmark compares against: no framework, one row inserted per request.

A raw ASGI app on the same server (uvicorn, one process) that reads the body, takes the
event id from it, and inserts the same row the platform stores into
`zendesk_webhook_events` (ON CONFLICT DO NOTHING, committed before answering). No
signature check, no encryption, no job: the least any endpoint that stores an event
durably must do.

    python bench/zendesk_webhooks_bare.py --port P --database-url URL --tenant ID --connection ID
"""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import psycopg
import uvicorn

INSERT = (
    "INSERT INTO zendesk_webhook_events"
    " (id, tenant_id, connection_id, event_id, event_type, received_at, payload_ct, status)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, 'pending') ON CONFLICT (connection_id, event_id) DO NOTHING"
)


def make_app(url: str, tenant: uuid.UUID, connection: uuid.UUID, pool_size: int) -> Callable[..., Awaitable[None]]:
    pool: asyncio.Queue[psycopg.AsyncConnection[Any]] = asyncio.Queue()

    async def app(
        scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]
    ) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    for _ in range(pool_size):
                        pool.put_nowait(await psycopg.AsyncConnection.connect(url))
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    while not pool.empty():
                        await pool.get_nowait().close()
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["method"] != "POST":  # a GET is the readiness probe
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
            await send({"type": "http.response.body", "body": b"ok"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        payload = json.loads(body)
        conn = await pool.get()
        try:
            async with conn.transaction():
                await conn.execute(
                    INSERT,
                    (uuid.uuid4(), tenant, connection, str(payload["id"]), payload["type"], datetime.now(UTC), body),
                )
        finally:
            pool.put_nowait(conn)
        answer = b'{"status":"stored"}'
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(answer)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--tenant", type=uuid.UUID, required=True)
    parser.add_argument("--connection", type=uuid.UUID, required=True)
    parser.add_argument("--pool", type=int, default=16)
    args = parser.parse_args()
    app = make_app(args.database_url, args.tenant, args.connection, args.pool)
    uvicorn.run(app, host="127.0.0.1", port=args.port, access_log=False, log_level="warning", lifespan="on")


if __name__ == "__main__":
    main()
