"""Tables of the Zendesk integration: connections, the mirrored records, sync state and webhook events.

People (requesters, agents, anyone a ticket or comment names) are data subjects: their
fields are sealed under their own key and their rows point at `data_subjects`, so erasing
the person removes them. A ticket is its requester's; a comment is its author's.

What belongs to the business rather than to a person (its credentials, its customers'
organisations, raw webhook payloads waiting to be read) is sealed under the tenant's key.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omniwise.kit.clock import utcnow
from omniwise.kit.db import Base, TimestampedMixin, UTCDateTime

ZENDESK_DATA = "zendesk_integration_data"
CUSTOMER_CONTACT = "customer_contact_information"


def personal(category: str) -> dict[str, object]:
    """A personal field, sealed under its person's key, in a policy category."""
    return {"personal": True, "category": category}


def tenant_sealed(what: str) -> dict[str, object]:
    """Sealed under the tenant's key: the business's, not one person's (so not erased with a person)."""
    return {"personal": False, "sealed": "tenant", "holds": what}


class ZendeskConnection(TimestampedMixin, Base):
    """One Zendesk account connected by a tenant. Its secrets are sealed and never leave the platform.

    A disconnected connection keeps its row (the privacy requests filed through it point at
    it) but no secret; its mirror is deleted by the retention sweep once the policy's period
    after `disconnected_at` has passed.
    """

    __tablename__ = "zendesk_connections"
    __table_args__ = (UniqueConstraint("tenant_id", "subdomain"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    subdomain: Mapped[str] = mapped_column(String(63))
    base_url: Mapped[str] = mapped_column(String(300))
    auth_type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32), default="active")
    plan: Mapped[str] = mapped_column(String(32), default="professional")
    rate_limit_per_minute: Mapped[int | None] = mapped_column(Integer)
    # API token (with the admin's sign-in address) or OAuth tokens, as sealed JSON
    credentials_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info=tenant_sealed("credentials"))
    webhook_secret_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info=tenant_sealed("webhook signing secret"))
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    app_installation_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    last_webhook_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # when the business disconnected the account: syncing stopped, secrets deleted, and the
    # retention clock of the mirror (policy trigger `integration_disconnected`) started
    disconnected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ZendeskOAuthFlow(Base):
    """An authorisation in progress: the PKCE verifier waits here, sealed, until Zendesk calls back."""

    __tablename__ = "zendesk_oauth_flows"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("zendesk_connections.id", ondelete="CASCADE"))
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_verifier_ct: Mapped[bytes] = mapped_column(LargeBinary, info=tenant_sealed("PKCE code verifier"))
    redirect_url: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ZendeskSyncRun(Base):
    """One sync of a connection, driven by jobs or by the command line; what the API reports."""

    __tablename__ = "zendesk_sync_runs"
    __table_args__ = (Index("ix_zendesk_sync_runs_connection_id_started_at", "connection_id", "started_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("zendesk_connections.id", ondelete="CASCADE"))
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    stream: Mapped[str | None] = mapped_column(String(32))
    steps: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(String(500))


class ZendeskSyncCursor(Base):
    """Where one stream of a connection stands, so a stopped sync resumes there.

    `pending` holds the ids of tickets whose comments still have to be fetched: a page of
    the ticket export is stored with it, so a sync stopped halfway through a page goes on
    with the tickets it had not finished.
    """

    __tablename__ = "zendesk_sync_cursors"
    __table_args__ = (UniqueConstraint("connection_id", "stream"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("zendesk_connections.id", ondelete="CASCADE"))
    stream: Mapped[str] = mapped_column(String(32))
    cursor: Mapped[str | None] = mapped_column(String(2000))
    pending: Mapped[list[int]] = mapped_column(JSON, default=list)
    caught_up: Mapped[bool] = mapped_column(Boolean, default=False)
    items: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class ZendeskOrganization(TimestampedMixin, Base):
    """A customer organisation: a business, not a person, so sealed under the tenant's key."""

    __tablename__ = "zendesk_organizations"
    __table_args__ = (UniqueConstraint("connection_id", "zendesk_id"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("zendesk_connections.id", ondelete="CASCADE"))
    zendesk_id: Mapped[int] = mapped_column(BigInteger)
    name_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info=tenant_sealed("organisation name"))
    domain_names_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info=tenant_sealed("organisation domains"))
    zendesk_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ZendeskUser(TimestampedMixin, Base):
    """A Zendesk user (requester, agent, commenter): a person with a key of their own.

    A user named by a ticket or comment before the user export reaches them is kept with
    their id only (`zendesk_updated_at` empty) and filled in when their record arrives.
    """

    __tablename__ = "zendesk_users"
    __table_args__ = (
        UniqueConstraint("connection_id", "zendesk_id"),
        Index("ix_zendesk_users_tenant_id_email_bidx", "tenant_id", "email_bidx"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("zendesk_connections.id", ondelete="CASCADE"))
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("data_subjects.id", ondelete="CASCADE"), index=True)
    zendesk_id: Mapped[int] = mapped_column(BigInteger)
    role: Mapped[str | None] = mapped_column(String(16))
    organization_zendesk_id: Mapped[int | None] = mapped_column(BigInteger)
    name_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info=personal(CUSTOMER_CONTACT))
    email_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info=personal(CUSTOMER_CONTACT))
    phone_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info=personal(CUSTOMER_CONTACT))
    email_bidx: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    zendesk_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ZendeskTicket(TimestampedMixin, Base):
    """A ticket, sealed under its requester's key.

    `purged_at` marks a ticket permanently deleted in Zendesk: its personal fields and
    comments are gone and the row stays as a tombstone, so a late event cannot bring it back.
    """

    __tablename__ = "zendesk_tickets"
    __table_args__ = (
        UniqueConstraint("connection_id", "zendesk_id"),
        Index("ix_zendesk_tickets_connection_id_requester_zendesk_id", "connection_id", "requester_zendesk_id"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("zendesk_connections.id", ondelete="CASCADE"))
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("data_subjects.id", ondelete="CASCADE"), index=True)
    zendesk_id: Mapped[int] = mapped_column(BigInteger)
    requester_zendesk_id: Mapped[int] = mapped_column(BigInteger)
    organization_zendesk_id: Mapped[int | None] = mapped_column(BigInteger)
    subject_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info=personal(ZENDESK_DATA))
    description_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info=personal(ZENDESK_DATA))
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str | None] = mapped_column(String(16))
    type: Mapped[str | None] = mapped_column(String(16))
    zendesk_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    zendesk_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the ticket version whose comments were last fetched: a ticket seen again unchanged costs no call
    comments_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ZendeskComment(TimestampedMixin, Base):
    """A ticket comment, sealed under its author's key (their words are their data)."""

    __tablename__ = "zendesk_comments"
    __table_args__ = (UniqueConstraint("connection_id", "zendesk_id"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("zendesk_connections.id", ondelete="CASCADE"))
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("zendesk_tickets.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("data_subjects.id", ondelete="CASCADE"), index=True)
    zendesk_id: Mapped[int] = mapped_column(BigInteger)
    author_zendesk_id: Mapped[int] = mapped_column(BigInteger)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    body_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info=personal(ZENDESK_DATA))
    redacted: Mapped[bool] = mapped_column(Boolean, default=False)
    zendesk_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ZendeskWebhookEvent(Base):
    """A webhook delivery, stored once per (connection, event id) and processed by a job.

    Whom a raw payload is about is only known once it is read, so it is sealed under the
    tenant's key while it waits, and dropped as soon as it has been processed.
    """

    __tablename__ = "zendesk_webhook_events"
    __table_args__ = (
        UniqueConstraint("connection_id", "event_id"),
        Index("ix_zendesk_webhook_events_status_received_at", "status", "received_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("zendesk_connections.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(120))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    payload_ct: Mapped[bytes | None] = mapped_column(LargeBinary, info={**personal(ZENDESK_DATA), "form": "transient"})
    status: Mapped[str] = mapped_column(String(16), default="pending")
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(300))


class ZendeskAppRequest(Base):
    """A privacy request an agent filed from the sidebar app on a requester's behalf.

    Ids only: who asked (the agent's Zendesk id), for whom (the requester's Zendesk id and
    data subject), and what. `subject_id` has no foreign key on purpose: the record that a
    person asked for deletion outlives the deletion.
    """

    __tablename__ = "zendesk_app_requests"
    __table_args__ = (
        Index("ix_zendesk_app_requests_connection_id_requester", "connection_id", "requester_zendesk_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    tenant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    connection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("zendesk_connections.id", ondelete="CASCADE"))
    requester_zendesk_id: Mapped[int] = mapped_column(BigInteger)
    subject_id: Mapped[uuid.UUID | None] = mapped_column()
    type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="received")
    filed_by_zendesk_id: Mapped[str | None] = mapped_column(String(64))
    ticket_zendesk_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # the privacy request opened with it (no foreign key: either record may outlive the other)
    privacy_request_id: Mapped[uuid.UUID | None] = mapped_column()
