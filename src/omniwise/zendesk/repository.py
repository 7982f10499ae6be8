"""SQL of the Zendesk integration; every query on tenant data goes through `tenant_scoped`.

Two lookups cannot know the tenant beforehand, because they are how a caller proves which
tenant it speaks for: a webhook names its connection in its URL (and proves it with its
signature), and a sidebar request names its Zendesk account and app installation (and
proves them with Zendesk's signature). They are marked below.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session

from omniwise.kit.db import tenant_scoped
from omniwise.zendesk.models import (
    ZendeskAppRequest,
    ZendeskComment,
    ZendeskConnection,
    ZendeskOAuthFlow,
    ZendeskOrganization,
    ZendeskSyncCursor,
    ZendeskSyncRun,
    ZendeskTicket,
    ZendeskUser,
    ZendeskWebhookEvent,
)

# connections


def get_connection(session: Session, *, tenant_id: uuid.UUID, connection_id: uuid.UUID) -> ZendeskConnection | None:
    stmt = tenant_scoped(select(ZendeskConnection), ZendeskConnection, tenant_id)
    return session.scalars(stmt.where(ZendeskConnection.id == connection_id)).one_or_none()


def list_connections(session: Session, *, tenant_id: uuid.UUID) -> Sequence[ZendeskConnection]:
    stmt = tenant_scoped(select(ZendeskConnection), ZendeskConnection, tenant_id)
    return session.scalars(stmt.order_by(ZendeskConnection.created_at, ZendeskConnection.id)).all()


def connection_by_subdomain(session: Session, *, tenant_id: uuid.UUID, subdomain: str) -> ZendeskConnection | None:
    stmt = tenant_scoped(select(ZendeskConnection), ZendeskConnection, tenant_id)
    return session.scalars(stmt.where(ZendeskConnection.subdomain == subdomain)).one_or_none()


def connection_by_id(session: Session, *, connection_id: uuid.UUID) -> ZendeskConnection | None:
    """For operator commands (`omniwise zendesk sync`), which act for every tenant."""
    return session.get(ZendeskConnection, connection_id)


def connection_for_webhook(session: Session, *, connection_id: uuid.UUID) -> ZendeskConnection | None:
    """Authentication step: the tenant is the connection's, once the signature proves the sender."""
    return session.get(ZendeskConnection, connection_id)


def connections_for_app(session: Session, *, installation_id: int) -> Sequence[ZendeskConnection]:
    """Authentication step: the tenant is the connection's, once Zendesk's signature proves the installation."""
    stmt = select(ZendeskConnection).where(ZendeskConnection.app_installation_id == installation_id)
    return session.scalars(stmt).all()


def oauth_flow_by_state(session: Session, *, state_hash: str) -> ZendeskOAuthFlow | None:
    """Authentication step: the unguessable state of the callback names the flow and so its tenant."""
    stmt = select(ZendeskOAuthFlow).where(ZendeskOAuthFlow.state_hash == state_hash).with_for_update()
    return session.scalars(stmt).one_or_none()


def delete_oauth_flows(session: Session, *, tenant_id: uuid.UUID, connection_id: uuid.UUID) -> int:
    stmt = delete(ZendeskOAuthFlow).where(
        ZendeskOAuthFlow.tenant_id == tenant_id, ZendeskOAuthFlow.connection_id == connection_id
    )
    return int(cast("CursorResult[Any]", session.execute(stmt)).rowcount)


# sync state


def unfinished_runs(session: Session, *, tenant_id: uuid.UUID, connection_id: uuid.UUID) -> Sequence[ZendeskSyncRun]:
    stmt = tenant_scoped(select(ZendeskSyncRun), ZendeskSyncRun, tenant_id).where(
        ZendeskSyncRun.connection_id == connection_id, ZendeskSyncRun.status.in_(("queued", "running"))
    )
    return session.scalars(stmt).all()


def delete_cursors(session: Session, *, tenant_id: uuid.UUID, connection_id: uuid.UUID) -> int:
    stmt = delete(ZendeskSyncCursor).where(
        ZendeskSyncCursor.tenant_id == tenant_id, ZendeskSyncCursor.connection_id == connection_id
    )
    return int(cast("CursorResult[Any]", session.execute(stmt)).rowcount)


def latest_run(session: Session, *, tenant_id: uuid.UUID, connection_id: uuid.UUID) -> ZendeskSyncRun | None:
    stmt = tenant_scoped(select(ZendeskSyncRun), ZendeskSyncRun, tenant_id).where(
        ZendeskSyncRun.connection_id == connection_id
    )
    return session.scalars(stmt.order_by(ZendeskSyncRun.started_at.desc()).limit(1)).first()


def get_run(session: Session, *, tenant_id: uuid.UUID, run_id: uuid.UUID) -> ZendeskSyncRun | None:
    stmt = tenant_scoped(select(ZendeskSyncRun), ZendeskSyncRun, tenant_id).where(ZendeskSyncRun.id == run_id)
    return session.scalars(stmt).one_or_none()


def cursors(session: Session, *, tenant_id: uuid.UUID, connection_id: uuid.UUID) -> Sequence[ZendeskSyncCursor]:
    stmt = tenant_scoped(select(ZendeskSyncCursor), ZendeskSyncCursor, tenant_id).where(
        ZendeskSyncCursor.connection_id == connection_id
    )
    return session.scalars(stmt.order_by(ZendeskSyncCursor.stream)).all()


def cursor(
    session: Session, *, tenant_id: uuid.UUID, connection_id: uuid.UUID, stream: str
) -> ZendeskSyncCursor | None:
    stmt = tenant_scoped(select(ZendeskSyncCursor), ZendeskSyncCursor, tenant_id).where(
        ZendeskSyncCursor.connection_id == connection_id, ZendeskSyncCursor.stream == stream
    )
    return session.scalars(stmt).one_or_none()


# mirrored records


def organizations_by_zendesk_id(
    session: Session, *, tenant_id: uuid.UUID, connection_id: uuid.UUID, zendesk_ids: Collection[int]
) -> dict[int, ZendeskOrganization]:
    if not zendesk_ids:
        return {}
    stmt = tenant_scoped(select(ZendeskOrganization), ZendeskOrganization, tenant_id).where(
        ZendeskOrganization.connection_id == connection_id, ZendeskOrganization.zendesk_id.in_(list(zendesk_ids))
    )
    return {row.zendesk_id: row for row in session.scalars(stmt)}


def users_by_zendesk_id(
    session: Session, *, tenant_id: uuid.UUID, connection_id: uuid.UUID, zendesk_ids: Collection[int]
) -> dict[int, ZendeskUser]:
    if not zendesk_ids:
        return {}
    stmt = tenant_scoped(select(ZendeskUser), ZendeskUser, tenant_id).where(
        ZendeskUser.connection_id == connection_id, ZendeskUser.zendesk_id.in_(list(zendesk_ids))
    )
    return {row.zendesk_id: row for row in session.scalars(stmt)}


def users_with_zendesk_id(
    session: Session, *, tenant_id: uuid.UUID, zendesk_id: int, connection_id: uuid.UUID | None
) -> Sequence[ZendeskUser]:
    stmt = tenant_scoped(select(ZendeskUser), ZendeskUser, tenant_id).where(ZendeskUser.zendesk_id == zendesk_id)
    if connection_id is not None:
        stmt = stmt.where(ZendeskUser.connection_id == connection_id)
    return session.scalars(stmt).all()


def users_by_email_index(session: Session, *, tenant_id: uuid.UUID, bidx: int) -> Sequence[ZendeskUser]:
    stmt = tenant_scoped(select(ZendeskUser), ZendeskUser, tenant_id).where(ZendeskUser.email_bidx == bidx)
    return session.scalars(stmt).all()


def tickets_by_zendesk_id(
    session: Session, *, tenant_id: uuid.UUID, connection_id: uuid.UUID, zendesk_ids: Collection[int]
) -> dict[int, ZendeskTicket]:
    if not zendesk_ids:
        return {}
    stmt = tenant_scoped(select(ZendeskTicket), ZendeskTicket, tenant_id).where(
        ZendeskTicket.connection_id == connection_id, ZendeskTicket.zendesk_id.in_(list(zendesk_ids))
    )
    return {row.zendesk_id: row for row in session.scalars(stmt)}


def tickets_with_zendesk_id(
    session: Session, *, tenant_id: uuid.UUID, zendesk_id: int, connection_id: uuid.UUID | None
) -> Sequence[ZendeskTicket]:
    stmt = tenant_scoped(select(ZendeskTicket), ZendeskTicket, tenant_id).where(
        ZendeskTicket.zendesk_id == zendesk_id, ZendeskTicket.purged_at.is_(None)
    )
    if connection_id is not None:
        stmt = stmt.where(ZendeskTicket.connection_id == connection_id)
    return session.scalars(stmt).all()


def tickets_requested_by(
    session: Session, *, tenant_id: uuid.UUID, connection_id: uuid.UUID, requester_zendesk_id: int
) -> Sequence[ZendeskTicket]:
    stmt = tenant_scoped(select(ZendeskTicket), ZendeskTicket, tenant_id).where(
        ZendeskTicket.connection_id == connection_id,
        ZendeskTicket.requester_zendesk_id == requester_zendesk_id,
        ZendeskTicket.purged_at.is_(None),
    )
    return session.scalars(stmt.order_by(ZendeskTicket.zendesk_id)).all()


def comments_of_tickets(
    session: Session, *, tenant_id: uuid.UUID, ticket_ids: Collection[uuid.UUID]
) -> Sequence[ZendeskComment]:
    if not ticket_ids:
        return []
    stmt = tenant_scoped(select(ZendeskComment), ZendeskComment, tenant_id).where(
        ZendeskComment.ticket_id.in_(list(ticket_ids))
    )
    return session.scalars(stmt.order_by(ZendeskComment.zendesk_created_at, ZendeskComment.zendesk_id)).all()


def comments_by_zendesk_id(
    session: Session, *, tenant_id: uuid.UUID, connection_id: uuid.UUID, zendesk_ids: Collection[int]
) -> dict[int, ZendeskComment]:
    if not zendesk_ids:
        return {}
    stmt = tenant_scoped(select(ZendeskComment), ZendeskComment, tenant_id).where(
        ZendeskComment.connection_id == connection_id, ZendeskComment.zendesk_id.in_(list(zendesk_ids))
    )
    return {row.zendesk_id: row for row in session.scalars(stmt)}


def comments_by_author(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    connection_id: uuid.UUID,
    author_zendesk_id: int,
    subject_id: uuid.UUID | None = None,
) -> Sequence[ZendeskComment]:
    """The comments one user wrote. Give their `subject_id` (their comments are sealed under their key):
    it reaches them through the subject index, so the cost does not grow with the business's comments."""
    stmt = tenant_scoped(select(ZendeskComment), ZendeskComment, tenant_id).where(
        ZendeskComment.connection_id == connection_id, ZendeskComment.author_zendesk_id == author_zendesk_id
    )
    if subject_id is not None:
        stmt = stmt.where(ZendeskComment.subject_id == subject_id)
    return session.scalars(stmt.order_by(ZendeskComment.zendesk_created_at, ZendeskComment.zendesk_id)).all()


def tickets_by_row_id(
    session: Session, *, tenant_id: uuid.UUID, row_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, ZendeskTicket]:
    if not row_ids:
        return {}
    stmt = tenant_scoped(select(ZendeskTicket), ZendeskTicket, tenant_id).where(ZendeskTicket.id.in_(list(row_ids)))
    return {row.id: row for row in session.scalars(stmt)}


# webhook events and sidebar requests


def webhook_events(
    session: Session, *, tenant_id: uuid.UUID, event_row_ids: Collection[uuid.UUID]
) -> Sequence[ZendeskWebhookEvent]:
    stmt = tenant_scoped(select(ZendeskWebhookEvent), ZendeskWebhookEvent, tenant_id).where(
        ZendeskWebhookEvent.id.in_(list(event_row_ids)), ZendeskWebhookEvent.status == "pending"
    )
    return session.scalars(stmt.order_by(ZendeskWebhookEvent.received_at)).all()


def app_requests_for(
    session: Session, *, tenant_id: uuid.UUID, connection_id: uuid.UUID, requester_zendesk_id: int
) -> Sequence[ZendeskAppRequest]:
    stmt = tenant_scoped(select(ZendeskAppRequest), ZendeskAppRequest, tenant_id).where(
        ZendeskAppRequest.connection_id == connection_id,
        ZendeskAppRequest.requester_zendesk_id == requester_zendesk_id,
    )
    return session.scalars(stmt.order_by(ZendeskAppRequest.created_at)).all()


def tenants_with_users(session: Session) -> Sequence[uuid.UUID]:
    """Every tenant whose mirror holds Zendesk users: where a privacy request naming no business looks (ids only)."""
    return session.scalars(select(ZendeskUser.tenant_id).distinct().order_by(ZendeskUser.tenant_id)).all()


def count_held_for(
    session: Session,
    *,
    tenant_id: uuid.UUID,
    connection_id: uuid.UUID,
    zendesk_user_id: int,
    subject_id: uuid.UUID | None = None,
) -> tuple[int, int]:
    """(tickets they requested, comments they wrote) in the mirror, counted without reading them.

    With the user's `subject_id`, their comments are counted through the subject index (as in
    `comments_by_author`) rather than among all of the business's comments.
    """
    tickets = session.scalar(
        tenant_scoped(select(func.count()).select_from(ZendeskTicket), ZendeskTicket, tenant_id).where(
            ZendeskTicket.connection_id == connection_id,
            ZendeskTicket.requester_zendesk_id == zendesk_user_id,
            ZendeskTicket.purged_at.is_(None),
        )
    )
    counted = tenant_scoped(select(func.count()).select_from(ZendeskComment), ZendeskComment, tenant_id).where(
        ZendeskComment.connection_id == connection_id, ZendeskComment.author_zendesk_id == zendesk_user_id
    )
    if subject_id is not None:
        counted = counted.where(ZendeskComment.subject_id == subject_id)
    comments = session.scalar(counted)
    return int(tickets or 0), int(comments or 0)
