"""The sandbox's Zendesk account in memory: records, their JSON shapes, and every change told as an event."""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

ACCOUNT_ID = 10001
TAG = re.compile(r"<[^>]*>")


def iso(ts: float) -> str:
    """Zendesk's timestamps: seconds, UTC, with a Z."""
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def text_of(markup: str) -> str:
    """The text a comment's HTML shows."""
    return html.unescape(TAG.sub("", markup)).strip()


@dataclass
class Organization:
    id: int
    name: str
    domain_names: list[str]
    created_at: float
    updated_at: float

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": f"/api/v2/organizations/{self.id}.json",
            "name": self.name,
            "domain_names": list(self.domain_names),
            "details": None,
            "notes": None,
            "tags": [],
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


@dataclass
class User:
    id: int
    name: str
    email: str | None
    phone: str | None
    role: str
    organization_id: int | None
    created_at: float
    updated_at: float
    deleted_at: float | None = None

    @property
    def active(self) -> bool:
        return self.deleted_at is None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": f"/api/v2/users/{self.id}.json",
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "role": self.role,
            "organization_id": self.organization_id,
            "active": self.active,
            "verified": True,
            "suspended": False,
            "time_zone": "UTC",
            "locale": "en-US",
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }


@dataclass
class Comment:
    id: int
    ticket_id: int
    author_id: int
    html_body: str
    public: bool
    created_at: float

    @property
    def body(self) -> str:
        return text_of(self.html_body)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "Comment",
            "author_id": self.author_id,
            "body": self.body,
            "html_body": self.html_body,
            "plain_body": self.body,
            "public": self.public,
            "attachments": [],
            "created_at": iso(self.created_at),
        }


@dataclass
class Ticket:
    id: int
    subject: str
    status: str
    priority: str | None
    type: str | None
    requester_id: int
    organization_id: int | None
    created_at: float
    updated_at: float
    comments: list[Comment] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    deleted_at: float | None = None

    @property
    def description(self) -> str:
        """Zendesk's description is the first comment's text, and follows its redaction."""
        return self.comments[0].body if self.comments else ""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": f"/api/v2/tickets/{self.id}.json",
            "subject": self.subject,
            "raw_subject": self.subject,
            "description": self.description,
            "status": "deleted" if self.deleted_at is not None else self.status,
            "priority": self.priority,
            "type": self.type,
            "requester_id": self.requester_id,
            "submitter_id": self.requester_id,
            "assignee_id": None,
            "organization_id": self.organization_id,
            "tags": list(self.tags),
            "via": {"channel": "web"},
            "is_public": True,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
            "generated_timestamp": int(self.updated_at),
        }


# (event type without its zen:event-type: prefix, subject, detail, event, time)
Emit = Callable[[str, str, dict[str, Any], dict[str, Any], float], None]


class Store:
    """The account's records. Callers hold `lock` around reads; every change is told to `emit`."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.lock = threading.RLock()
        self._clock = clock
        self._last = 0.0
        self.organizations: dict[int, Organization] = {}
        self.users: dict[int, User] = {}
        self.tickets: dict[int, Ticket] = {}
        self.comments: dict[int, Comment] = {}
        self.purged_user_ids: set[int] = set()
        self.purged_ticket_ids: set[int] = set()
        self._next = {"org": 360_000_000, "user": 380_000_000, "ticket": 0, "comment": 900_000_000}
        self.emit: Emit = lambda event_type, subject, detail, event, at: None

    def next_id(self, kind: str) -> int:
        self._next[kind] += 1
        return self._next[kind]

    def now(self) -> float:
        """Wall-clock time that never runs backwards, so changes keep their order in the exports."""
        with self.lock:
            self._last = max(self._last, self._clock())
            return self._last

    def _stamp(self, at: float | None) -> float:
        return self.now() if at is None else at

    # lookups (callers hold the lock)

    def live_user(self, user_id: int) -> User | None:
        user = self.users.get(user_id)
        return user if user is not None and user.deleted_at is None else None

    def live_ticket(self, ticket_id: int) -> Ticket | None:
        ticket = self.tickets.get(ticket_id)
        return ticket if ticket is not None and ticket.deleted_at is None else None

    # the `detail` of event-subscription payloads: ids as strings, enumerations in capitals

    def ticket_detail(self, ticket: Ticket) -> dict[str, Any]:
        return {
            "actor_id": str(ticket.requester_id),
            "assignee_id": None,
            "brand_id": "1",
            "created_at": iso(ticket.created_at),
            "custom_status": "1",
            "description": ticket.description,
            "external_id": None,
            "form_id": "1",
            "group_id": None,
            "id": str(ticket.id),
            "is_public": True,
            "organization_id": str(ticket.organization_id) if ticket.organization_id else None,
            "priority": ticket.priority.upper() if ticket.priority else None,
            "requester_id": str(ticket.requester_id),
            "status": ("DELETED" if ticket.deleted_at is not None else ticket.status.upper()),
            "subject": ticket.subject,
            "submitter_id": str(ticket.requester_id),
            "tags": list(ticket.tags),
            "type": ticket.type.upper() if ticket.type else None,
            "updated_at": iso(ticket.updated_at),
            "via": {"channel": "web_service"},
        }

    def user_detail(self, user: User) -> dict[str, Any]:
        return {
            "created_at": iso(user.created_at),
            "email": user.email,
            "external_id": None,
            "default_group_id": None,
            "id": str(user.id),
            "organization_id": str(user.organization_id) if user.organization_id else None,
            "role": user.role.upper().replace("-", "_"),
            "updated_at": iso(user.updated_at),
        }

    def organization_detail(self, org: Organization) -> dict[str, Any]:
        return {
            "created_at": iso(org.created_at),
            "external_id": None,
            "group_id": None,
            "id": str(org.id),
            "name": org.name,
            "shared_comments": False,
            "shared_tickets": False,
            "updated_at": iso(org.updated_at),
        }

    def _emit(self, event_type: str, subject: str, detail: dict[str, Any], event: dict[str, Any] | None = None) -> None:
        self.emit(event_type, subject, detail, event or {}, self.now())

    # changes

    def add_organization(self, *, name: str, domain_names: list[str], at: float | None = None) -> Organization:
        with self.lock:
            at = self._stamp(at)
            org = Organization(self.next_id("org"), name, list(domain_names), at, at)
            self.organizations[org.id] = org
            self._emit("organization.created", f"zen:organization:{org.id}", self.organization_detail(org))
            return org

    def add_user(
        self,
        *,
        name: str,
        email: str | None,
        phone: str | None = None,
        role: str = "end-user",
        organization_id: int | None = None,
        at: float | None = None,
    ) -> User:
        with self.lock:
            at = self._stamp(at)
            user = User(self.next_id("user"), name, email, phone, role, organization_id, at, at)
            self.users[user.id] = user
            self._emit("user.created", f"zen:user:{user.id}", self.user_detail(user))
            return user

    def update_user(self, user: User, changes: dict[str, Any]) -> User:
        with self.lock:
            before = {"name": user.name, "email": user.email}
            for key in ("name", "email", "phone", "role", "organization_id"):
                if key in changes:
                    setattr(user, key, changes[key])
            user.updated_at = max(self.now(), user.updated_at)
            subject = f"zen:user:{user.id}"
            if user.name != before["name"]:
                self._emit(
                    "user.name_changed",
                    subject,
                    self.user_detail(user),
                    {"current": user.name, "previous": before["name"]},
                )
            if user.email != before["email"]:
                self._emit("user.identity_changed", subject, self.user_detail(user), {"type": "email"})
            return user

    def add_ticket(
        self,
        *,
        requester: User,
        subject: str,
        body: str,
        priority: str | None = None,
        type: str | None = None,
        status: str = "new",
        at: float | None = None,
    ) -> Ticket:
        with self.lock:
            at = self._stamp(at)
            ticket = Ticket(
                self.next_id("ticket"), subject, status, priority, type, requester.id, requester.organization_id, at, at
            )
            self.tickets[ticket.id] = ticket
            self._new_comment(ticket, requester.id, f"<p>{html.escape(body)}</p>", True, at)
            self._emit("ticket.created", f"zen:ticket:{ticket.id}", self.ticket_detail(ticket))
            return ticket

    def _new_comment(self, ticket: Ticket, author_id: int, markup: str, public: bool, at: float) -> Comment:
        comment = Comment(self.next_id("comment"), ticket.id, author_id, markup, public, at)
        ticket.comments.append(comment)
        self.comments[comment.id] = comment
        return comment

    def add_comment(
        self, ticket: Ticket, *, author_id: int, body: str, public: bool = True, at: float | None = None
    ) -> Comment:
        with self.lock:
            ticket.updated_at = max(self._stamp(at), ticket.updated_at)
            comment = self._new_comment(ticket, author_id, f"<p>{html.escape(body)}</p>", public, ticket.updated_at)
            author = self.users.get(author_id)
            event = {
                "comment": {
                    "id": str(comment.id),
                    "body": comment.body,
                    "is_public": public,
                    "author": {
                        "id": str(author_id),
                        "is_staff": bool(author and author.role != "end-user"),
                        "name": author.name if author else "",
                    },
                }
            }
            self._emit("ticket.comment_added", f"zen:ticket:{ticket.id}", self.ticket_detail(ticket), event)
            return comment

    def update_ticket(self, ticket: Ticket, changes: dict[str, Any], *, at: float | None = None) -> Ticket:
        with self.lock:
            previous = {key: getattr(ticket, key) for key in changes}
            changed = {k: v for k, v in changes.items() if previous[k] != v}
            if not changed:
                return ticket
            for key, value in changed.items():
                setattr(ticket, key, value)
            ticket.updated_at = max(self._stamp(at), ticket.updated_at)
            detail, subject = self.ticket_detail(ticket), f"zen:ticket:{ticket.id}"
            for key, value in changed.items():
                before = previous[key]
                self._emit(
                    f"ticket.{key}_changed",
                    subject,
                    detail,
                    {
                        "current": value.upper() if isinstance(value, str) and key != "subject" else value,
                        "previous": before.upper() if isinstance(before, str) and key != "subject" else before,
                    },
                )
            return ticket

    def soft_delete_ticket(self, ticket: Ticket) -> None:
        with self.lock:
            ticket.deleted_at = self.now()
            ticket.updated_at = max(self.now(), ticket.updated_at)
            self._emit("ticket.soft_deleted", f"zen:ticket:{ticket.id}", self.ticket_detail(ticket))

    def purge_ticket(self, ticket: Ticket) -> None:
        """Permanent deletion: the ticket and its comments leave every list and export."""
        with self.lock:
            ticket.updated_at = max(self.now(), ticket.updated_at)
            detail = self.ticket_detail(ticket)
            for comment in ticket.comments:
                self.comments.pop(comment.id, None)
            self.tickets.pop(ticket.id, None)
            self.purged_ticket_ids.add(ticket.id)
            self._emit("ticket.permanently_deleted", f"zen:ticket:{ticket.id}", detail)

    def redact(self, comment: Comment, marked: str) -> Comment:
        """Replace every `<redact>...</redact>` part with as many ▇ as it had characters."""
        with self.lock:
            out, rest = [], marked
            while "<redact>" in rest:
                before, _, after = rest.partition("<redact>")
                hidden, _, rest = after.partition("</redact>")
                out.append(before + "▇" * len(html.unescape(hidden)))
            out.append(rest)
            comment.html_body = "".join(out)
            ticket = self.tickets.get(comment.ticket_id)
            if ticket is not None:
                ticket.updated_at = max(self.now(), ticket.updated_at)
            return comment

    def soft_delete_user(self, user: User) -> None:
        with self.lock:
            user.deleted_at = self.now()
            user.updated_at = max(self.now(), user.updated_at)
            self._emit("user.deleted", f"zen:user:{user.id}", self.user_detail(user))

    def purge_user(self, user: User) -> None:
        """Permanent deletion scrubs the user: they leave every list, the exports included."""
        with self.lock:
            self.users.pop(user.id, None)
            self.purged_user_ids.add(user.id)
