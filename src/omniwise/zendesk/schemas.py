"""Request and response bodies of the Zendesk integration. Secrets go in, and never come out."""

from __future__ import annotations

import ipaddress
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from omniwise.contacts.schemas import Email

Subdomain = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
]
Secret = Annotated[str, StringConstraints(min_length=8, max_length=500)]
LOOPBACK_NAMES = ("localhost",)


def checked_base_url(value: str) -> str:
    """An https URL, or http on this machine's loopback (the sandbox): nothing else gets our credentials."""
    parts = urlsplit(value.strip())
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or parts.path not in ("", "/") or parts.query:
        raise ValueError("must be the account's root URL, such as https://acme.zendesk.com")
    if parts.scheme == "http":
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host in LOOPBACK_NAMES
        if not loopback:
            raise ValueError("must use https (plain http is allowed only on loopback, for the sandbox)")
    return f"{parts.scheme}://{parts.netloc}"


BaseUrl = Annotated[str, StringConstraints(max_length=300), AfterValidator(checked_base_url)]


class Plan(StrEnum):
    """Zendesk plans, which set the account's API rate limit."""

    TEAM = "team"
    GROWTH = "growth"
    PROFESSIONAL = "professional"
    ENTERPRISE = "enterprise"
    ENTERPRISE_PLUS = "enterprise_plus"
    HIGH_VOLUME = "high_volume"


class ApiTokenAuth(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["api_token"]
    email: Email
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class OAuthAuth(BaseModel):
    """Start an authorisation: the answer carries the URL to send the Zendesk admin to."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["oauth"]


class ConnectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subdomain: Subdomain
    base_url: BaseUrl | None = None
    auth: Annotated[ApiTokenAuth | OAuthAuth, Field(discriminator="type")]
    webhook_secret: Secret
    plan: Plan = Plan.PROFESSIONAL
    rate_limit_per_minute: Annotated[int, Field(ge=1, le=100_000)] | None = None
    app_installation_id: Annotated[int, Field(ge=1)] | None = None


class ConnectionRead(BaseModel):
    id: uuid.UUID
    tenant_id: uuid.UUID
    subdomain: str
    base_url: str
    auth_type: str
    status: str
    plan: str
    rate_limit_per_minute: int | None
    app_installation_id: int | None
    created_at: datetime
    last_webhook_at: datetime | None
    # set once the business disconnects the account; its mirror is deleted the policy's period later
    disconnected_at: datetime | None = None
    authorize_url: str | None = None


class ConnectionList(BaseModel):
    items: list[ConnectionRead]


class SyncRunRead(BaseModel):
    id: uuid.UUID
    mode: str
    status: str
    stream: str | None
    steps: int
    requests: int
    counts: dict[str, int]
    started_at: datetime
    heartbeat_at: datetime
    finished_at: datetime | None
    error: str | None


class StreamRead(BaseModel):
    stream: str
    caught_up: bool
    items: int
    pending: int
    updated_at: datetime


class SyncStatus(BaseModel):
    connection_id: uuid.UUID
    last_run: SyncRunRead | None
    streams: list[StreamRead]


class CommentRead(BaseModel):
    zendesk_id: int
    ticket_zendesk_id: int
    author_zendesk_id: int | None
    public: bool
    body: str | None
    redacted: bool
    created_at: datetime | None


class TicketRead(BaseModel):
    zendesk_id: int
    connection_id: uuid.UUID
    subject: str | None
    description: str | None
    status: str
    priority: str | None
    type: str | None
    requester_zendesk_id: int
    organization_zendesk_id: int | None
    created_at: datetime | None
    updated_at: datetime | None
    deleted: bool
    comments: list[CommentRead]


class UserRead(BaseModel):
    zendesk_id: int
    connection_id: uuid.UUID
    name: str | None
    email: str | None
    phone: str | None
    role: str | None
    organization_zendesk_id: int | None
    active: bool
    deleted: bool
    updated_at: datetime | None


class UserExport(BaseModel):
    """Everything held about one Zendesk user; other people in their threads are masked."""

    user: UserRead
    tickets: list[TicketRead]
    comments_on_other_tickets: list[CommentRead]
    withheld_comments: int


class TicketInstruction(StrEnum):
    """What the business instructs for the tickets of a person forgotten in Zendesk."""

    REDACT = "redact"
    DELETE = "delete"
    DELETE_PERMANENTLY = "delete_permanently"


class ForgetReport(BaseModel):
    zendesk_user_id: int
    comments_redacted: int
    tickets_deleted: int
    tickets_deleted_permanently: int
    user_deleted: bool
    user_deleted_permanently: bool


class UserCorrection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    email: Email | None = None


class AppRequestType(StrEnum):
    ACCESS = "access"
    PORTABILITY = "portability"  # a copy of their data
    CORRECTION = "correction"
    DELETION = "deletion"
    OPT_OUT = "opt_out"


class AppRequestCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: AppRequestType
    ticket_id: Annotated[int, Field(ge=1)] | None = None
    # a correction: field -> the value the requester asked for (see GET /api/v1/privacy-requests fields)
    changes: dict[str, str] | None = None


class AppRequestRead(BaseModel):
    id: uuid.UUID
    type: str
    status: str
    created_at: datetime
    privacy_request_id: uuid.UUID | None = None


class RequesterPrivacy(BaseModel):
    """What the sidebar shows about a requester: their opt-outs and their open privacy requests."""

    requester_zendesk_id: int
    known: bool
    opt_outs: list[AppRequestRead]
    open_requests: list[AppRequestRead]
