"""The sandbox's writes (tickets, users, deletions, redactions, webhooks, OAuth) and its own control routes."""

from __future__ import annotations

import random
from typing import Any
from urllib.parse import urlencode

from faker import Faker
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from omniwise.sandbox.app import route
from omniwise.sandbox.emulator import Fault, Sandbox
from omniwise.sandbox.operations import ApiError, not_found
from omniwise.sandbox.store import Store


async def _json(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        raise ApiError(400, "InvalidJSON", "the body is not JSON") from None


async def _body(request: Request, key: str) -> dict[str, Any]:
    body = await _json(request)
    inner = body.get(key) if isinstance(body, dict) else None
    if not isinstance(inner, dict):
        raise ApiError(422, "RecordInvalid", f"the body must be an object with a '{key}' object")
    return inner


def random_activity(store: Store, faker: Faker, rng: random.Random, changes: int) -> int:
    """Make `changes` plausible changes (new tickets, comments, status changes); each fires its webhooks."""
    done = 0
    for _ in range(changes):
        with store.lock:
            people = [u for u in store.users.values() if u.role == "end-user" and u.deleted_at is None]
            agents = [u for u in store.users.values() if u.role != "end-user" and u.deleted_at is None]
            tickets = [t for t in store.tickets.values() if t.deleted_at is None]
            roll = rng.random()
            if roll < 0.3 or not tickets:
                if not people:
                    break
                store.add_ticket(
                    requester=rng.choice(people), subject=faker.sentence(nb_words=6).rstrip("."), body=faker.paragraph()
                )
            elif roll < 0.75:
                ticket = rng.choice(tickets)
                author = rng.choice(agents) if agents and rng.random() < 0.5 else store.users.get(ticket.requester_id)
                if author is not None:
                    store.add_comment(ticket, author_id=author.id, body=faker.paragraph(nb_sentences=2))
            else:
                ticket = rng.choice(tickets)
                status = rng.choice([s for s in ("open", "pending", "solved") if s != ticket.status])
                store.update_ticket(ticket, {"status": status})
        done += 1
    return done


def install_writes(app: FastAPI, sandbox: Sandbox) -> None:
    store, ops = sandbox.store, sandbox.ops

    @route(app, "POST", "/api/v2/tickets", status_code=201)
    async def create_ticket(request: Request) -> dict[str, Any]:
        data = await _body(request, "ticket")
        comment = data.get("comment") if isinstance(data.get("comment"), dict) else {}
        body = str((comment or {}).get("body") or data.get("description") or "")
        if not body:
            raise ApiError(422, "RecordInvalid", "Description: cannot be blank")
        with store.lock:
            requester = store.live_user(int(data["requester_id"])) if data.get("requester_id") else None
            if requester is None and isinstance(data.get("requester"), dict):
                who = data["requester"]
                requester = store.add_user(name=str(who.get("name") or "Customer"), email=who.get("email"))
            if requester is None:
                raise ApiError(422, "RecordInvalid", "Requester: is invalid")
            ticket = store.add_ticket(
                requester=requester,
                subject=str(data.get("subject") or body[:60]),
                body=body,
                priority=data.get("priority"),
                type=data.get("type"),
                status=str(data.get("status") or "new"),
            )
            return {"ticket": ticket.to_json()}

    @route(app, "PUT", "/api/v2/tickets/{ticket_id:int}")
    async def update_ticket(request: Request, ticket_id: int) -> dict[str, Any]:
        data = await _body(request, "ticket")
        with store.lock:
            ticket = store.live_ticket(ticket_id)
            if ticket is None:
                raise not_found()
            store.update_ticket(ticket, {k: data[k] for k in ("status", "subject", "priority", "type") if k in data})
            comment = data.get("comment")
            if isinstance(comment, dict) and comment.get("body"):
                store.add_comment(
                    ticket,
                    author_id=int(comment.get("author_id") or ticket.requester_id),
                    body=str(comment["body"]),
                    public=bool(comment.get("public", True)),
                )
            return {"ticket": ticket.to_json()}

    @route(app, "DELETE", "/api/v2/tickets/{ticket_id:int}")
    def delete_ticket(ticket_id: int) -> Response:
        ops.delete_ticket(ticket_id)
        return Response(status_code=204)

    @route(app, "DELETE", "/api/v2/deleted_tickets/{ticket_id:int}")
    def purge_ticket(ticket_id: int) -> dict[str, Any]:
        return ops.purge_ticket(ticket_id)

    @route(app, "PUT", "/api/v2/comment_redactions/{comment_id:int}")
    async def redact_comment(request: Request, comment_id: int) -> dict[str, Any]:
        data = await _json(request)
        if not isinstance(data, dict):
            raise ApiError(400, "InvalidJSON", "the body must be an object")
        return ops.redact(comment_id, ticket_id=data.get("ticket_id"), html_body=data.get("html_body"))

    @route(app, "POST", "/api/v2/users", status_code=201)
    async def create_user(request: Request) -> dict[str, Any]:
        data = await _body(request, "user")
        if not data.get("name"):
            raise ApiError(422, "RecordInvalid", "Name: cannot be blank")
        user = store.add_user(
            name=str(data["name"]),
            email=data.get("email"),
            phone=data.get("phone"),
            role=str(data.get("role") or "end-user"),
            organization_id=data.get("organization_id"),
        )
        return {"user": user.to_json()}

    @route(app, "PUT", "/api/v2/users/{user_id:int}")
    async def update_user(request: Request, user_id: int) -> dict[str, Any]:
        return ops.update_user(user_id, await _body(request, "user"))

    @route(app, "DELETE", "/api/v2/users/{user_id:int}")
    def delete_user(user_id: int) -> dict[str, Any]:
        return ops.delete_user(user_id)

    @route(app, "DELETE", "/api/v2/deleted_users/{user_id:int}")
    def purge_user(user_id: int) -> dict[str, Any]:
        return ops.purge_user(user_id)

    @route(app, "POST", "/api/v2/organizations", status_code=201)
    async def create_organization(request: Request) -> dict[str, Any]:
        data = await _body(request, "organization")
        if not data.get("name"):
            raise ApiError(422, "RecordInvalid", "Name: cannot be blank")
        org = store.add_organization(name=str(data["name"]), domain_names=list(data.get("domain_names") or []))
        return {"organization": org.to_json()}

    # webhooks

    @route(app, "POST", "/api/v2/webhooks", status_code=201)
    async def create_webhook(request: Request) -> dict[str, Any]:
        data = await _body(request, "webhook")
        endpoint = data.get("endpoint")
        if not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://")):
            raise ApiError(400, "InvalidValue", "endpoint must be an http(s) URL")
        given = data.get("signing_secret") or {}
        webhook = sandbox.dispatcher.add(
            endpoint=endpoint,
            subscriptions=[str(s) for s in data.get("subscriptions") or []],
            secret=given.get("secret") if isinstance(given, dict) else None,
            name=str(data.get("name") or ""),
        )
        return {"webhook": webhook.to_json()}

    @route(app, "GET", "/api/v2/webhooks")
    def list_webhooks() -> dict[str, Any]:
        return {"webhooks": [w.to_json() for w in sandbox.dispatcher.webhooks.values()], "meta": {"has_more": False}}

    @route(app, "GET", "/api/v2/webhooks/{webhook_id}/signing_secret")
    def signing_secret(webhook_id: str) -> dict[str, Any]:
        webhook = sandbox.dispatcher.webhooks.get(webhook_id)
        if webhook is None:
            raise not_found()
        return {"signing_secret": {"algorithm": "SHA256", "secret": webhook.secret}}

    @route(app, "DELETE", "/api/v2/webhooks/{webhook_id}")
    def delete_webhook(webhook_id: str) -> Response:
        if sandbox.dispatcher.webhooks.pop(webhook_id, None) is None:
            raise not_found()
        return Response(status_code=204)

    # OAuth: the grant is given at once, as if the admin had clicked "Allow"

    @app.get("/oauth/authorizations/new")
    def authorize(request: Request) -> Response:
        q = request.query_params
        if q.get("response_type") != "code" or q.get("client_id") != sandbox.config.oauth_client_id:
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge") or not q.get("redirect_uri"):
            return JSONResponse({"error": "invalid_request", "error_description": "PKCE S256 is required"}, 400)
        code = sandbox.grant_code(
            client_id=q["client_id"],
            redirect_uri=q["redirect_uri"],
            code_challenge=q["code_challenge"],
            scope=q.get("scope", "read"),
        )
        separator = "&" if "?" in q["redirect_uri"] else "?"
        query = urlencode({"code": code, "state": q.get("state", "")})
        return RedirectResponse(f"{q['redirect_uri']}{separator}{query}", status_code=302)

    @app.post("/oauth/tokens")
    async def tokens(request: Request) -> JSONResponse:
        try:
            data = await request.json()
        except ValueError:
            data = dict(await request.form())
        status, body = sandbox.exchange(data if isinstance(data, dict) else {})
        return JSONResponse(body, status_code=status)


def install_control(app: FastAPI, sandbox: Sandbox) -> None:
    """Routes of the sandbox itself, not Zendesk's: what it holds, what it saw, and faults to inject."""
    store = sandbox.store
    faker = Faker("en_US")
    faker.seed_instance(sandbox.config.seed + 1)
    rng = random.Random(sandbox.config.seed + 1)

    @app.get("/sandbox/info")
    def info(request: Request) -> dict[str, Any]:
        with store.lock:
            counts = {
                "organizations": len(store.organizations),
                "users": len(store.users),
                "tickets": len(store.tickets),
                "comments": len(store.comments),
            }
        config = sandbox.config
        return {
            "base_url": str(request.base_url).rstrip("/"),
            "subdomain": config.subdomain,
            "email": config.email,
            "rate_limit": config.rate_limit,
            "incremental_limit": config.incremental_limit,
            "window_seconds": config.window_seconds,
            "counts": counts,
        }

    @app.get("/sandbox/stats")
    def stats() -> dict[str, Any]:
        s = sandbox.stats
        return {
            "requests": s.requests,
            "refused": s.refused,
            "refused_twice": s.refused_twice,
            "missing_marketplace_headers": s.missing_marketplace_headers,
            "by_route": dict(s.by_route),
        }

    @app.post("/sandbox/faults", status_code=201)
    async def add_fault(request: Request) -> dict[str, Any]:
        data = await _json(request)
        fault = Fault(int(data.get("status", 503)), int(data.get("count", 1)), str(data.get("path_prefix", "/api/v2/")))
        sandbox.add_fault(fault)
        return {"status": fault.status, "count": fault.count, "path_prefix": fault.path_prefix}

    @app.post("/sandbox/activity")
    async def activity(request: Request) -> dict[str, Any]:
        data = await _json(request) if await request.body() else {}
        changes = max(1, min(1000, int(data.get("changes", 1))))
        return {"changes": random_activity(store, faker, rng, changes)}

    @app.get("/sandbox/deliveries")
    def deliveries() -> dict[str, Any]:
        return {
            "deliveries": [
                {
                    "webhook_id": d.webhook_id,
                    "event_id": d.event_id,
                    "event_type": d.event_type,
                    "status_code": d.status_code,
                    "attempts": d.attempts,
                    "error": d.error,
                }
                for d in list(sandbox.dispatcher.deliveries)
            ]
        }

    @app.post("/sandbox/expire-tokens", status_code=204)
    def expire_tokens() -> Response:
        sandbox.expire_access_tokens()
        return Response(status_code=204)
