"""Runs localstripe on a loopback port, as Stripe behaves on the two points the tests rely on.

`python -m tests.billing.localstripe_server --port P` serves localstripe's API on
127.0.0.1:P only (its own launcher listens on every interface), keeps its objects in
memory only (its own store is pickled to one shared file in /tmp on every write, which
concurrent test runs would fight over), and honours `Idempotency-Key` the way Stripe
documents it: a key replays the first answer, and the same key with another request is
refused with 400 `idempotency_error`. localstripe itself ignores the header, so without
this a retried request would make a second customer where Stripe would not.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from localstripe import resources, server
from localstripe.errors import UserError

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_replies: dict[str, tuple[str, int, bytes]] = {}


def _no_disk(_store: Any) -> None:
    return None


@web.middleware
async def idempotency(request: web.Request, handler: Handler) -> web.StreamResponse:
    key = request.headers.get("Idempotency-Key")
    if key is None or request.method not in ("POST", "DELETE"):
        return await handler(request)
    body = await request.read()
    fingerprint = hashlib.sha256(f"{request.method} {request.path_qs} ".encode() + body).hexdigest()
    seen = _replies.get(key)
    if seen is not None:
        if seen[0] != fingerprint:
            error = {
                "error": {
                    "type": "idempotency_error",
                    "message": "Keys for idempotent requests can only be used with the same parameters.",
                }
            }
            return web.json_response(error, status=400)
        return web.Response(body=seen[2], status=seen[1], content_type="application/json")
    try:
        response = await handler(request)
    except UserError as exc:
        response = exc.to_response()
    if isinstance(response, web.Response) and response.body is not None:
        payload = response.body if isinstance(response.body, bytes) else json.dumps(response.body).encode()
        _replies[key] = (fingerprint, response.status, payload)
    return response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    resources.Store.dump_to_disk = _no_disk  # type: ignore[method-assign]
    server.app.middlewares.insert(0, idempotency)
    web.run_app(server.app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
