"""What the sandbox's Zendesk API does, apart from HTTP: shared by its routes and by the in-memory Zendesk.

Answers are the JSON bodies Zendesk sends (without the URLs only HTTP can give); refusals
are `ApiError`s with Zendesk's status and error name.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from omniwise.sandbox.store import Store, iso

MAX_LIST_PAGE = 100
MAX_EXPORT_PAGE = 1000


class ApiError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


def not_found() -> ApiError:
    return ApiError(404, "RecordNotFound", "Not found")


class _Record(Protocol):
    @property
    def id(self) -> int: ...


class _Updated(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def updated_at(self) -> float: ...

    def to_json(self) -> dict[str, Any]: ...


def encode_cursor(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(value: str) -> dict[str, Any]:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (ValueError, binascii.Error):
        raise ApiError(400, "InvalidPaginationParameter", "cursor is invalid") from None
    if not isinstance(decoded, dict):
        raise ApiError(400, "InvalidPaginationParameter", "cursor is invalid")
    return decoded


def list_page(
    records: Sequence[_Record], key: str, to_json: Callable[[Any], dict[str, Any]], *, size: int, after: str | None
) -> dict[str, Any]:
    """Zendesk's cursor pagination: `page[size]`, `page[after]`, answered with `meta.has_more` and an after cursor."""
    size = max(1, min(size, MAX_LIST_PAGE))
    after_id = int(decode_cursor(after).get("id", 0)) if after else 0
    remaining = [r for r in sorted(records, key=lambda r: r.id) if r.id > after_id]
    page, has_more = remaining[:size], len(remaining) > size
    return {
        key: [to_json(r) for r in page],
        "meta": {
            "has_more": has_more,
            "after_cursor": encode_cursor({"id": page[-1].id}) if page else None,
            "before_cursor": None,
        },
    }


def export_page(
    records: Sequence[_Updated],
    key: str,
    *,
    cursor: str | None,
    start_time: int | None,
    per_page: int,
    horizon: float,
) -> dict[str, Any]:
    """A cursor-based incremental export, ordered by (updated_at, id) and resumable at `after_cursor`.

    Like Zendesk, it leaves out what changed after `horizon` (the last minute): such records
    are still moving, and a later request returns them.
    """
    per_page = max(1, min(per_page, MAX_EXPORT_PAGE))
    if cursor:
        position = decode_cursor(cursor)
        since: tuple[float, int] = (float(position.get("t", 0)), int(position.get("id", 0)))
        ordered = sorted(
            (r for r in records if r.updated_at <= horizon and (r.updated_at, r.id) > since),
            key=lambda r: (r.updated_at, r.id),
        )
    elif start_time is not None:
        since = (float(start_time), -1)
        ordered = sorted(
            (r for r in records if start_time <= r.updated_at <= horizon), key=lambda r: (r.updated_at, r.id)
        )
    else:
        raise ApiError(400, "InvalidValue", "start_time or cursor is required")
    page = ordered[:per_page]
    last = (page[-1].updated_at, page[-1].id) if page else since
    return {
        key: [r.to_json() for r in page],
        "after_cursor": encode_cursor({"t": last[0], "id": last[1]}),
        "before_cursor": None,
        "end_of_stream": len(ordered) <= per_page,
    }


class Operations:
    """The account's API over its store; callers give the export horizon (now less the export lag)."""

    def __init__(self, store: Store, *, export_lag: Callable[[], float]) -> None:
        self.store = store
        self._export_lag = export_lag

    def _horizon(self) -> float:
        return self.store.now() - self._export_lag()

    # reads

    def export_tickets(self, *, cursor: str | None, start_time: int | None, per_page: int) -> dict[str, Any]:
        with self.store.lock:
            return export_page(
                list(self.store.tickets.values()),
                "tickets",
                cursor=cursor,
                start_time=start_time,
                per_page=per_page,
                horizon=self._horizon(),
            )

    def export_users(self, *, cursor: str | None, start_time: int | None, per_page: int) -> dict[str, Any]:
        with self.store.lock:
            return export_page(
                list(self.store.users.values()),
                "users",
                cursor=cursor,
                start_time=start_time,
                per_page=per_page,
                horizon=self._horizon(),
            )

    def organizations(self, *, size: int, after: str | None) -> dict[str, Any]:
        with self.store.lock:
            orgs = list(self.store.organizations.values())
            return list_page(orgs, "organizations", lambda o: o.to_json(), size=size, after=after)

    def comments(self, ticket_id: int, *, size: int, after: str | None) -> dict[str, Any]:
        with self.store.lock:
            ticket = self.store.live_ticket(ticket_id)
            if ticket is None:
                raise not_found()
            return list_page(list(ticket.comments), "comments", lambda c: c.to_json(), size=size, after=after)

    def ticket_count(self) -> dict[str, Any]:
        with self.store.lock:
            live = sum(1 for t in self.store.tickets.values() if t.deleted_at is None)
            return {"count": {"value": live, "refreshed_at": iso(self.store.now())}}

    def ticket(self, ticket_id: int) -> dict[str, Any]:
        with self.store.lock:
            ticket = self.store.live_ticket(ticket_id)
            if ticket is None:
                raise not_found()
            return {"ticket": ticket.to_json()}

    def user(self, user_id: int) -> dict[str, Any]:
        with self.store.lock:
            user = self.store.users.get(user_id)
            if user is None:
                raise not_found()
            return {"user": user.to_json()}

    def requested_tickets(self, user_id: int, *, size: int, after: str | None) -> dict[str, Any]:
        with self.store.lock:
            if user_id not in self.store.users:
                raise not_found()
            mine = [t for t in self.store.tickets.values() if t.requester_id == user_id and t.deleted_at is None]
            return list_page(mine, "tickets", lambda t: t.to_json(), size=size, after=after)

    # writes

    def update_user(self, user_id: int, data: dict[str, Any]) -> dict[str, Any]:
        if "name" in data and not data["name"]:
            raise ApiError(422, "RecordInvalid", "Name: cannot be blank")
        with self.store.lock:
            user = self.store.live_user(user_id)
            if user is None:
                raise not_found()
            self.store.update_user(user, data)
            return {"user": user.to_json()}

    def redact(self, comment_id: int, *, ticket_id: Any, html_body: Any) -> dict[str, Any]:
        if not isinstance(html_body, str) or "<redact>" not in html_body:
            raise ApiError(422, "RecordInvalid", "html_body must mark the text to redact with <redact> tags")
        with self.store.lock:
            comment = self.store.comments.get(comment_id)
            ticket = self.store.tickets.get(comment.ticket_id) if comment else None
            if comment is None or ticket is None or str(ticket.id) != str(ticket_id):
                raise not_found()
            # the body sent back must be the comment's own HTML, with only redact tags added
            if html_body.replace("<redact>", "").replace("</redact>", "") != comment.html_body:
                raise ApiError(422, "RecordInvalid", "html_body does not match the comment")
            self.store.redact(comment, html_body)
            return {"comment": comment.to_json()}

    def delete_ticket(self, ticket_id: int) -> None:
        with self.store.lock:
            ticket = self.store.live_ticket(ticket_id)
            if ticket is None:
                raise not_found()
            self.store.soft_delete_ticket(ticket)

    def purge_ticket(self, ticket_id: int) -> dict[str, Any]:
        """Only a soft-deleted ticket can be deleted for good; Zendesk does it in a background job."""
        with self.store.lock:
            ticket = self.store.tickets.get(ticket_id)
            if ticket is None or ticket.deleted_at is None:
                raise not_found()
            self.store.purge_ticket(ticket)
        return {"job_status": {"id": f"purge-{ticket_id}", "status": "completed", "total": 1, "progress": 1}}

    def delete_user(self, user_id: int) -> dict[str, Any]:
        with self.store.lock:
            user = self.store.live_user(user_id)
            if user is None:
                raise not_found()
            self.store.soft_delete_user(user)
            return {"user": user.to_json()}

    def purge_user(self, user_id: int) -> dict[str, Any]:
        """Only a (soft-)deleted user can be deleted for good."""
        with self.store.lock:
            user = self.store.users.get(user_id)
            if user is None or user.deleted_at is None:
                raise not_found()
            body = user.to_json()
            self.store.purge_user(user)
            return {"deleted_user": body}
