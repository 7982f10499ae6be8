"""The Zendesk API as the platform uses it: one interface, and its typed httpx implementation.

Every call carries the Marketplace headers, takes a slot from the account's rate limiter,
waits exactly `Retry-After` on a 429, retries 5xx and network failures with a bounded
backoff, and follows cursor pagination. Sending personal data is the caller's decision:
services pass the disclosure gate before they call a method that writes to Zendesk.
"""

from __future__ import annotations

import base64
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from omniwise.zendesk.errors import (
    RateLimitDeferred,
    ZendeskAuthFailed,
    ZendeskError,
    ZendeskNotFound,
    ZendeskRateLimited,
    ZendeskUnavailable,
)
from omniwise.zendesk.ratelimit import AccountLimits, SlidingWindow
from omniwise.zendesk.resources import (
    Comment,
    OrganizationPage,
    Ticket,
    TicketExportPage,
    User,
    UserExportPage,
)

USER_AGENT = "OmniWise/0.1 (+https://omniwise.com)"
MAX_PAGE_SIZE = 100
MAX_EXPORT_PAGE_SIZE = 1000
# a 5xx's own Retry-After is honoured up to this; beyond it the bounded back-off gives up sooner
MAX_SERVER_ERROR_WAIT = 30.0


class ZendeskApi(Protocol):
    """What the platform asks of a Zendesk account; `ZendeskClient` over HTTP, `MemoryZendesk` in memory."""

    def export_tickets(
        self, *, start_time: int | None = None, cursor: str | None = None, per_page: int | None = None
    ) -> TicketExportPage: ...

    def export_users(
        self, *, start_time: int | None = None, cursor: str | None = None, per_page: int | None = None
    ) -> UserExportPage: ...

    def organizations_page(self, *, after: str | None = None, page_size: int = MAX_PAGE_SIZE) -> OrganizationPage: ...

    def ticket_comments(self, ticket_id: int) -> list[Comment]: ...

    def ticket_count(self) -> int: ...

    def ticket(self, ticket_id: int) -> Ticket: ...

    def user(self, user_id: int) -> User: ...

    def requested_ticket_ids(self, user_id: int) -> list[int]: ...

    def update_user(self, user_id: int, *, changes: dict[str, str]) -> User: ...

    def redact_comment(self, *, ticket_id: int, comment_id: int, html_body: str) -> Comment: ...

    def delete_ticket(self, ticket_id: int) -> None: ...

    def delete_ticket_permanently(self, ticket_id: int) -> None: ...

    def delete_user(self, user_id: int) -> None: ...

    def delete_user_permanently(self, user_id: int) -> None: ...

    def close(self) -> None: ...


class Credentials(Protocol):
    def authorization(self) -> str:
        """The Authorization header value."""
        ...

    def refresh(self) -> bool:
        """Called once after a 401: obtain fresh credentials; False if there is nothing to refresh."""
        ...


@dataclass
class ApiTokenCredentials:
    """API-token auth (`email/token:TOKEN`), for development and the sandbox."""

    email: str
    token: str

    def authorization(self) -> str:
        raw = f"{self.email}/token:{self.token}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    def refresh(self) -> bool:
        return False


class BearerCredentials:
    """An OAuth access token; `refresher` returns a new one (rotating the refresh token) when it fails."""

    def __init__(self, access_token: str, refresher: Callable[[], str] | None = None) -> None:
        self._access_token = access_token
        self._refresher = refresher

    def authorization(self) -> str:
        return f"Bearer {self._access_token}"

    def refresh(self) -> bool:
        if self._refresher is None:
            return False
        self._access_token = self._refresher()
        return True


@dataclass(frozen=True)
class Marketplace:
    """The app's Marketplace identity, sent on every call as Zendesk asks of Marketplace apps."""

    name: str
    organization_id: str
    app_id: str

    def headers(self) -> dict[str, str]:
        return {
            "X-Zendesk-Marketplace-Name": self.name,
            "X-Zendesk-Marketplace-Organization-Id": self.organization_id,
            "X-Zendesk-Marketplace-App-Id": self.app_id,
        }


@dataclass
class ClientStats:
    requests: int = 0
    refusals: int = 0
    refused_twice: int = 0
    retries: int = 0
    waited_for_retry_after: list[float] = field(default_factory=list)


def retry_after_seconds(response: httpx.Response, default: float) -> float:
    """Retry-After in seconds (Zendesk sends whole seconds); `default` when absent or unreadable."""
    value = response.headers.get("retry-after")
    if value is None:
        return default
    try:
        seconds = float(value)
    except ValueError:
        return default
    return seconds if math.isfinite(seconds) and seconds >= 0 else default


def route_of(url: str) -> str:
    """The path of a URL without its query: safe to put in messages and logs."""
    return urlsplit(url).path or "/"


class ZendeskClient:
    """One Zendesk account's API over HTTP: authenticated, rate limited, retried.

    `defer_after`: a job sets it so that a wait longer than that many seconds (a full rate
    limit window, a long Retry-After) raises `RateLimitDeferred` instead of sleeping; the
    job comes back later and nothing holds a transaction open in the meantime.
    """

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        marketplace: Marketplace,
        limits: AccountLimits,
        timeout: float = 30.0,
        max_retries: int = 4,
        backoff: float = 0.5,
        max_refusals: int = 5,
        defer_after: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.limits = limits
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_refusals = max_refusals
        self.defer_after = defer_after
        self.stats = ClientStats()
        self._sleep = sleep
        self._origin = urlsplit(self.base_url)[:2]
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            transport=transport,
            headers={**marketplace.headers(), "User-Agent": USER_AGENT, "Accept": "application/json"},
            follow_redirects=False,
        )

    def __enter__(self) -> ZendeskClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # the transport loop

    def _check_origin(self, url: str) -> None:
        """Credentials go to the connected account only, whatever a `links.next` says."""
        parts = urlsplit(url)
        if parts.scheme and (parts.scheme, parts.netloc) != self._origin:
            raise ZendeskError(f"{route_of(url)}: Zendesk pointed to another host; not followed")

    def _take_slot(self, window: SlidingWindow, method: str, route: str) -> None:
        if self.defer_after is None:
            window.acquire()
            return
        wait = window.try_reserve(self.defer_after)
        if wait is None:
            raise RateLimitDeferred(
                f"{method} {route}: the rate limit budget is spent; try again later",
                retry_after=window.next_free_in(),
            )
        if wait > 0:
            self._sleep(wait)

    def _wait(self, seconds: float, method: str, route: str) -> None:
        if self.defer_after is not None and seconds > self.defer_after:
            raise RateLimitDeferred(f"{method} {route}: Zendesk asked us to wait", retry_after=seconds)
        self._sleep(seconds)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        incremental: bool = False,
    ) -> httpx.Response:
        """Send one request, waiting for rate-limit slots and retrying what is worth retrying."""
        self._check_origin(url)
        route = route_of(url)
        failures = refusals = 0
        refreshed = False
        while True:
            if incremental:
                self._take_slot(self.limits.incremental, method, route)
            self._take_slot(self.limits.requests, method, route)
            self.stats.requests += 1
            try:
                response = self._http.request(
                    method, url, params=params, json=json, headers={"Authorization": self.credentials.authorization()}
                )
            except httpx.TransportError as exc:
                failures += 1
                if failures > self.max_retries:
                    raise ZendeskUnavailable(
                        f"{method} {route}: Zendesk unreachable after {failures} attempts ({type(exc).__name__})"
                    ) from None
                self.stats.retries += 1
                # a bounded back-off, slept here: deferring it would forget how many attempts failed
                self._sleep(self.backoff * 2 ** (failures - 1))
                continue
            announced = response.headers.get("x-rate-limit")
            if announced and announced.isdigit():
                self.limits.requests.resize(int(announced))
            status = response.status_code
            if status == 429:
                refusals += 1
                self.stats.refusals += 1
                if refusals == 2:
                    self.stats.refused_twice += 1
                wait = retry_after_seconds(response, default=self.limits.requests.window)
                if refusals > self.max_refusals:
                    raise ZendeskRateLimited(
                        f"{method} {route}: still rate limited after {refusals} waits", retry_after=wait
                    )
                # everyone on this account holds back, not only this caller
                (self.limits.incremental if incremental else self.limits.requests).pause(wait)
                self.stats.waited_for_retry_after.append(wait)
                self._wait(wait, method, route)
                continue
            if status >= 500:
                failures += 1
                if failures > self.max_retries:
                    raise ZendeskUnavailable(f"{method} {route}: Zendesk answered {status} {failures} times")
                self.stats.retries += 1
                default = self.backoff * 2 ** (failures - 1)
                self._sleep(min(retry_after_seconds(response, default), MAX_SERVER_ERROR_WAIT))
                continue
            if status == 401 and not refreshed and self.credentials.refresh():
                refreshed = True
                continue
            if status in (401, 403):
                raise ZendeskAuthFailed(f"{method} {route}: Zendesk refused the credentials ({status})")
            if status == 404:
                raise ZendeskNotFound(f"{method} {route}: not found in Zendesk")
            if status >= 400:
                raise ZendeskError(f"{method} {route}: Zendesk answered {status}")
            return response

    def _json(self, response: httpx.Response, method: str, url: str) -> Any:
        try:
            return response.json()
        except ValueError:
            raise ZendeskError(f"{method} {route_of(url)}: Zendesk answered with a body that is not JSON") from None

    def get_json(self, url: str, *, params: dict[str, Any] | None = None, incremental: bool = False) -> Any:
        return self._json(self.request("GET", url, params=params, incremental=incremental), "GET", url)

    def _list_page(
        self, path: str, key: str, *, after: str | None, page_size: int
    ) -> tuple[list[Any], bool, str | None]:
        params: dict[str, Any] = {"page[size]": max(1, min(page_size, MAX_PAGE_SIZE))}
        if after:
            params["page[after]"] = after
        body = self.get_json(path, params=params)
        meta = body.get("meta") or {}
        has_more = bool(meta.get("has_more")) and bool((body.get("links") or {}).get("next"))
        return list(body.get(key) or []), has_more, meta.get("after_cursor")

    def _all_pages(self, path: str, key: str) -> list[Any]:
        """Every item of a cursor-paginated list, following `links.next` while `meta.has_more`."""
        items: list[Any] = []
        body = self.get_json(path, params={"page[size]": MAX_PAGE_SIZE})
        while True:
            items.extend(body.get(key) or [])
            next_url = (body.get("links") or {}).get("next")
            if not (body.get("meta") or {}).get("has_more") or not next_url:
                return items
            body = self.get_json(next_url)

    # incremental exports (cursor-based)

    def _export(self, path: str, start_time: int | None, cursor: str | None, per_page: int | None) -> Any:
        params: dict[str, Any] = {"cursor": cursor} if cursor else {"start_time": start_time or 0}
        if per_page:
            params["per_page"] = max(1, min(per_page, MAX_EXPORT_PAGE_SIZE))
        return self.get_json(path, params=params, incremental=True)

    def export_tickets(
        self, *, start_time: int | None = None, cursor: str | None = None, per_page: int | None = None
    ) -> TicketExportPage:
        body = self._export("/api/v2/incremental/tickets/cursor.json", start_time, cursor, per_page)
        return TicketExportPage(
            items=body.get("tickets") or [],
            after_cursor=body.get("after_cursor"),
            end_of_stream=bool(body.get("end_of_stream", True)),
        )

    def export_users(
        self, *, start_time: int | None = None, cursor: str | None = None, per_page: int | None = None
    ) -> UserExportPage:
        body = self._export("/api/v2/incremental/users/cursor.json", start_time, cursor, per_page)
        return UserExportPage(
            items=body.get("users") or [],
            after_cursor=body.get("after_cursor"),
            end_of_stream=bool(body.get("end_of_stream", True)),
        )

    # lists and records

    def organizations_page(self, *, after: str | None = None, page_size: int = MAX_PAGE_SIZE) -> OrganizationPage:
        items, has_more, after_cursor = self._list_page(
            "/api/v2/organizations.json", "organizations", after=after, page_size=page_size
        )
        return OrganizationPage(items=items, has_more=has_more, after_cursor=after_cursor if has_more else None)

    def ticket_comments(self, ticket_id: int) -> list[Comment]:
        return [
            Comment.model_validate(c) for c in self._all_pages(f"/api/v2/tickets/{ticket_id}/comments.json", "comments")
        ]

    def ticket_count(self) -> int:
        """How many tickets the account has (Zendesk's count may lag by a little)."""
        return int(self.get_json("/api/v2/tickets/count.json")["count"]["value"])

    def ticket(self, ticket_id: int) -> Ticket:
        return Ticket.model_validate(self.get_json(f"/api/v2/tickets/{ticket_id}.json")["ticket"])

    def user(self, user_id: int) -> User:
        return User.model_validate(self.get_json(f"/api/v2/users/{user_id}.json")["user"])

    def requested_ticket_ids(self, user_id: int) -> list[int]:
        items = self._all_pages(f"/api/v2/users/{user_id}/tickets/requested.json", "tickets")
        return [int(t["id"]) for t in items]

    # writes

    def update_user(self, user_id: int, *, changes: dict[str, str]) -> User:
        response = self.request("PUT", f"/api/v2/users/{user_id}.json", json={"user": changes})
        return User.model_validate(self._json(response, "PUT", "/api/v2/users")["user"])

    def redact_comment(self, *, ticket_id: int, comment_id: int, html_body: str) -> Comment:
        """Redact the parts of a comment wrapped in `<redact>` tags (Zendesk replaces them with ▇)."""
        path = f"/api/v2/comment_redactions/{comment_id}.json"
        response = self.request("PUT", path, json={"ticket_id": ticket_id, "html_body": html_body})
        return Comment.model_validate(self._json(response, "PUT", path)["comment"])

    def delete_ticket(self, ticket_id: int) -> None:
        """Soft delete: the ticket moves to deleted tickets, from where it can be deleted for good."""
        self.request("DELETE", f"/api/v2/tickets/{ticket_id}.json")

    def delete_ticket_permanently(self, ticket_id: int) -> None:
        self.request("DELETE", f"/api/v2/deleted_tickets/{ticket_id}.json")

    def delete_user(self, user_id: int) -> None:
        """Soft delete: the user moves to deleted users, from where they can be deleted for good."""
        self.request("DELETE", f"/api/v2/users/{user_id}.json")

    def delete_user_permanently(self, user_id: int) -> None:
        """Zendesk's permanent deletion of a (soft-)deleted user."""
        self.request("DELETE", f"/api/v2/deleted_users/{user_id}.json")
