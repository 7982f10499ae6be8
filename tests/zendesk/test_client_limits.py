"""The HTTP client against the sandbox: Marketplace headers, rate limits, Retry-After, retries, pagination."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from omniwise.sandbox.server import SandboxServer
from omniwise.zendesk.client import ApiTokenCredentials, Marketplace, ZendeskClient
from omniwise.zendesk.errors import RateLimitDeferred, ZendeskAuthFailed, ZendeskError, ZendeskUnavailable
from omniwise.zendesk.ratelimit import AccountLimits, SlidingWindow
from tests.cli.helpers import free_port
from tests.zendesk.helpers import sandbox_config

MARKETPLACE = Marketplace("Omni Wise", "42", "4242")


def limits(per_window: int, incremental: int = 1000, window: float = 60.0) -> AccountLimits:
    # a fresh limiter per test: the process-wide registry would share state between tests on one port
    return AccountLimits(SlidingWindow(per_window, window), SlidingWindow(incremental, window))


def make_client(server: SandboxServer, account_limits: AccountLimits, **kwargs: object) -> ZendeskClient:
    return ZendeskClient(
        server.base_url,
        ApiTokenCredentials(server.config.email, server.config.api_token),
        marketplace=MARKETPLACE,
        limits=account_limits,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def limited() -> Iterator[SandboxServer]:
    """Six requests a second, two incremental exports a second: a minute's rules, sixty times faster."""
    config = sandbox_config(rate_limit=6, incremental_limit=2, window_seconds=1.0, require_marketplace_headers=True)
    with SandboxServer(config, port=free_port()) as server:
        yield server


def test_every_call_carries_the_marketplace_headers(limited: SandboxServer) -> None:
    with make_client(limited, limits(6, 2, 1.0)) as client:
        ticket_id = next(iter(limited.sandbox.store.tickets))
        client.ticket(ticket_id)
        client.ticket_comments(ticket_id)
        client.export_users(start_time=0)
    assert limited.sandbox.stats.missing_marketplace_headers == 0
    auth = (f"{limited.config.email}/token", limited.config.api_token)
    bare = httpx.get(f"{limited.base_url}/api/v2/tickets/{ticket_id}.json", auth=auth)
    assert bare.status_code == 400  # the sandbox does refuse a call without them


def test_the_limiter_keeps_within_the_budget(limited: SandboxServer) -> None:
    started = time.monotonic()
    with make_client(limited, limits(6, 2, 1.0)) as client:
        for ticket_id in list(limited.sandbox.store.tickets)[:14]:
            client.ticket(ticket_id)
        for _ in range(4):
            client.export_tickets(start_time=0, per_page=1)
        assert client.stats.refusals == 0
    assert limited.sandbox.stats.refused == 0
    assert time.monotonic() - started >= 2.0  # 18 calls at 6 a second, 4 exports at 2 a second


def test_a_429_waits_exactly_retry_after_and_is_not_refused_twice(limited: SandboxServer) -> None:
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    ticket_ids = list(limited.sandbox.store.tickets)
    # another process of the platform has just spent the account's budget for this window
    with make_client(limited, limits(6, 2, 1.0)) as other:
        for ticket_id in ticket_ids[:6]:
            other.ticket(ticket_id)
    with make_client(limited, limits(10_000, window=1.0), sleep=sleep) as client:
        client.ticket(ticket_ids[6])
        client.ticket(ticket_ids[7])
        stats = client.stats
    assert stats.refusals == 1
    assert stats.refused_twice == 0
    assert slept == stats.waited_for_retry_after == [1.0]  # the sandbox's Retry-After for a one-second window
    assert limited.sandbox.stats.refused == 1


def test_a_job_is_told_to_come_back_instead_of_sleeping(limited: SandboxServer) -> None:
    with make_client(limited, limits(6, 2, 1.0), defer_after=0.05) as client:
        ticket_ids = list(limited.sandbox.store.tickets)
        for ticket_id in ticket_ids[:6]:
            client.ticket(ticket_id)
        with pytest.raises(RateLimitDeferred) as deferred:
            client.ticket(ticket_ids[6])
        assert 0 < deferred.value.retry_after <= 1.3
        assert client.stats.requests == 6  # the deferred call was not sent


def test_server_errors_are_retried_within_a_bound(sandbox: SandboxServer) -> None:
    ticket_id = next(iter(sandbox.sandbox.store.tickets))
    httpx.post(
        f"{sandbox.base_url}/sandbox/faults", json={"status": 503, "count": 2, "path_prefix": "/api/v2/tickets/"}
    )
    with make_client(sandbox, limits(10_000), backoff=0.01) as client:
        assert client.ticket(ticket_id).id == ticket_id
        assert client.stats.retries == 2
    httpx.post(
        f"{sandbox.base_url}/sandbox/faults", json={"status": 502, "count": 50, "path_prefix": "/api/v2/tickets/"}
    )
    with make_client(sandbox, limits(10_000), backoff=0.01, max_retries=3) as client:
        with pytest.raises(ZendeskUnavailable) as failed:
            client.ticket(ticket_id)
        assert client.stats.requests == 4
        assert "502" in failed.value.detail
        assert "/api/v2/tickets/" in failed.value.detail


def test_bad_credentials_and_foreign_links_are_refused(sandbox: SandboxServer) -> None:
    bad = ZendeskClient(
        sandbox.base_url,
        ApiTokenCredentials(sandbox.config.email, "wrong"),
        marketplace=MARKETPLACE,
        limits=limits(100),
    )
    with bad, pytest.raises(ZendeskAuthFailed):
        bad.export_users(start_time=0)
    with make_client(sandbox, limits(100)) as client:
        with pytest.raises(ZendeskError, match="another host"):
            client.get_json("https://elsewhere.example.com/api/v2/users.json")
        assert client.stats.requests == 0


def test_comment_lists_follow_links_next(sandbox: SandboxServer) -> None:
    store = sandbox.sandbox.store
    ticket = next(iter(store.tickets.values()))
    for n in range(120):
        store.add_comment(ticket, author_id=ticket.requester_id, body=f"follow-up {n}")
    with make_client(sandbox, limits(10_000)) as client:
        comments = client.ticket_comments(ticket.id)
        assert client.stats.requests == 2
    assert [c.id for c in comments] == [c.id for c in ticket.comments]
