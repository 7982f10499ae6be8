"""A Zendesk account in memory, behind the same interface as the HTTP client (for tests and trials).

It runs the sandbox's own operations on a sandbox store, so it behaves as the sandbox
server does, minus HTTP, authentication and rate limits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from omniwise.sandbox.operations import ApiError, Operations
from omniwise.sandbox.store import Store
from omniwise.zendesk.client import MAX_PAGE_SIZE
from omniwise.zendesk.errors import ZendeskError, ZendeskNotFound
from omniwise.zendesk.resources import (
    Comment,
    OrganizationPage,
    Ticket,
    TicketExportPage,
    User,
    UserExportPage,
)

T = TypeVar("T")


class MemoryZendesk:
    """`ZendeskApi` over an in-memory account; `export_lag` is 0 unless given, so changes show at once."""

    def __init__(self, store: Store, *, export_lag: float = 0.0) -> None:
        self.store = store
        self.ops = Operations(store, export_lag=lambda: export_lag)

    def _call(self, what: str, operation: Callable[[], T]) -> T:
        try:
            return operation()
        except ApiError as exc:
            if exc.status == 404:
                raise ZendeskNotFound(f"{what}: not found in Zendesk") from None
            raise ZendeskError(f"{what}: Zendesk answered {exc.status}") from None

    def _all(self, what: str, key: str, page: Callable[[str | None], dict[str, Any]]) -> list[Any]:
        items: list[Any] = []
        after: str | None = None
        while True:
            body = self._call(what, functools.partial(page, after))
            items.extend(body[key])
            if not body["meta"]["has_more"]:
                return items
            after = body["meta"]["after_cursor"]

    def export_tickets(
        self, *, start_time: int | None = None, cursor: str | None = None, per_page: int | None = None
    ) -> TicketExportPage:
        body = self._call(
            "tickets export",
            lambda: self.ops.export_tickets(
                cursor=cursor, start_time=None if cursor else (start_time or 0), per_page=per_page or 1000
            ),
        )
        return TicketExportPage(
            items=body["tickets"], after_cursor=body["after_cursor"], end_of_stream=body["end_of_stream"]
        )

    def export_users(
        self, *, start_time: int | None = None, cursor: str | None = None, per_page: int | None = None
    ) -> UserExportPage:
        body = self._call(
            "users export",
            lambda: self.ops.export_users(
                cursor=cursor, start_time=None if cursor else (start_time or 0), per_page=per_page or 1000
            ),
        )
        return UserExportPage(
            items=body["users"], after_cursor=body["after_cursor"], end_of_stream=body["end_of_stream"]
        )

    def organizations_page(self, *, after: str | None = None, page_size: int = MAX_PAGE_SIZE) -> OrganizationPage:
        body = self._call("organizations", lambda: self.ops.organizations(size=page_size, after=after))
        meta = body["meta"]
        return OrganizationPage(
            items=body["organizations"],
            has_more=meta["has_more"],
            after_cursor=meta["after_cursor"] if meta["has_more"] else None,
        )

    def ticket_comments(self, ticket_id: int) -> list[Comment]:
        items = self._all(
            "ticket comments", "comments", lambda after: self.ops.comments(ticket_id, size=MAX_PAGE_SIZE, after=after)
        )
        return [Comment.model_validate(c) for c in items]

    def ticket_count(self) -> int:
        return int(self.ops.ticket_count()["count"]["value"])

    def ticket(self, ticket_id: int) -> Ticket:
        return Ticket.model_validate(self._call("ticket", lambda: self.ops.ticket(ticket_id))["ticket"])

    def user(self, user_id: int) -> User:
        return User.model_validate(self._call("user", lambda: self.ops.user(user_id))["user"])

    def requested_ticket_ids(self, user_id: int) -> list[int]:
        items = self._all(
            "requested tickets",
            "tickets",
            lambda after: self.ops.requested_tickets(user_id, size=MAX_PAGE_SIZE, after=after),
        )
        return [int(t["id"]) for t in items]

    def update_user(self, user_id: int, *, changes: dict[str, str]) -> User:
        return User.model_validate(
            self._call("user update", lambda: self.ops.update_user(user_id, dict(changes)))["user"]
        )

    def redact_comment(self, *, ticket_id: int, comment_id: int, html_body: str) -> Comment:
        body = self._call("redaction", lambda: self.ops.redact(comment_id, ticket_id=ticket_id, html_body=html_body))
        return Comment.model_validate(body["comment"])

    def delete_ticket(self, ticket_id: int) -> None:
        self._call("ticket deletion", lambda: self.ops.delete_ticket(ticket_id))

    def delete_ticket_permanently(self, ticket_id: int) -> None:
        self._call("permanent ticket deletion", lambda: self.ops.purge_ticket(ticket_id))

    def delete_user(self, user_id: int) -> None:
        self._call("user deletion", lambda: self.ops.delete_user(user_id))

    def delete_user_permanently(self, user_id: int) -> None:
        self._call("permanent user deletion", lambda: self.ops.purge_user(user_id))

    def close(self) -> None:
        return None
