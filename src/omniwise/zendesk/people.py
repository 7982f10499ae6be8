"""One Zendesk user as a data subject: find them by email, export what is held about them, correct them in Zendesk.

These are the operations privacy requests call; each names its purpose, and a correction
passes the disclosure gate before anything is sent to Zendesk.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.disclosures.service import disclose
from omniwise.errors import Conflict, NotFound, ValidationFailed
from omniwise.keys import KeyRing
from omniwise.kit.crypto import blind_index
from omniwise.policy.binding import policy_for
from omniwise.policy.enforcement import require_purpose
from omniwise.policy.purposes import Purpose
from omniwise.tenants.models import Tenant
from omniwise.tenants.service import require
from omniwise.zendesk import repository
from omniwise.zendesk.client import ZendeskApi
from omniwise.zendesk.models import CUSTOMER_CONTACT, ZENDESK_DATA, ZendeskConnection, ZendeskTicket, ZendeskUser
from omniwise.zendesk.records import Mirror, comment_read, email_key, ticket_read, user_read
from omniwise.zendesk.schemas import CommentRead, TicketRead, UserCorrection, UserExport, UserRead

RowT = TypeVar("RowT", ZendeskUser, ZendeskTicket)


def check_purpose(
    session: Session, *, actor: Actor, tenant_id: uuid.UUID, purpose: Purpose, categories: Sequence[str]
) -> None:
    for category in categories:
        require_purpose(
            session, policy_for(session), category=category, purpose=purpose, actor=actor, tenant_id=tenant_id
        )


def audit_user(
    session: Session, actor: Actor, user: ZendeskUser, action: str, purpose: Purpose, **details: object
) -> None:
    record(
        session,
        AuditEntry(
            name=f"zendesk:user:{action}",
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=user.tenant_id,
            purpose=purpose.value,
            object_type="zendesk_user",
            object_id=str(user.zendesk_id),
            subject_id=user.subject_id,
            details={"connection_id": str(user.connection_id), **details},
        ),
    )


def find_users_by_email(session: Session, keyring: KeyRing, *, tenant_id: uuid.UUID, email: str) -> list[ZendeskUser]:
    """The tenant's Zendesk users with this address, in any of its connections (blind index, then compare)."""
    wanted = email_key(email)
    bidx = blind_index(keyring.index_key(tenant_id), "email", wanted)
    found = []
    for row in repository.users_by_email_index(session, tenant_id=tenant_id, bidx=bidx):
        value = keyring.cipher(tenant_id, row.subject_id).open_optional(
            row.email_ct, table="zendesk_users", column="email", row_id=row.id
        )
        if value is not None and email_key(value) == wanted:
            found.append(row)
    return found


def held_user(session: Session, *, tenant_id: uuid.UUID, connection_id: uuid.UUID, zendesk_user_id: int) -> ZendeskUser:
    rows = repository.users_with_zendesk_id(
        session, tenant_id=tenant_id, zendesk_id=zendesk_user_id, connection_id=connection_id
    )
    if not rows:
        raise NotFound(f"zendesk user {zendesk_user_id} is not held for connection {connection_id}")
    return rows[0]


def read_user(
    session: Session,
    keyring: KeyRing,
    *,
    actor: Actor,
    tenant: Tenant,
    zendesk_user_id: int,
    connection_id: uuid.UUID | None,
    purpose: Purpose = Purpose.SERVICE_PROVISION,
) -> UserRead:
    require(actor, Permission.ZENDESK_READ)
    check_purpose(session, actor=actor, tenant_id=tenant.id, purpose=purpose, categories=[CUSTOMER_CONTACT])
    rows = repository.users_with_zendesk_id(
        session, tenant_id=tenant.id, zendesk_id=zendesk_user_id, connection_id=connection_id
    )
    row = _one(rows, "user", zendesk_user_id)
    audit_user(session, actor, row, "read", purpose)
    return user_read(keyring, row)


def _one(rows: Sequence[RowT], what: str, zendesk_id: int) -> RowT:
    if not rows:
        raise NotFound(f"zendesk {what} {zendesk_id} does not exist")
    if len(rows) > 1:
        raise Conflict(f"zendesk {what} {zendesk_id} exists in several connections; pass connection_id")
    return rows[0]


def read_ticket(
    session: Session,
    keyring: KeyRing,
    *,
    actor: Actor,
    tenant: Tenant,
    zendesk_ticket_id: int,
    connection_id: uuid.UUID | None,
    purpose: Purpose = Purpose.SERVICE_PROVISION,
) -> TicketRead:
    """A ticket with its comments, as held in the mirror."""
    require(actor, Permission.ZENDESK_READ)
    check_purpose(session, actor=actor, tenant_id=tenant.id, purpose=purpose, categories=[ZENDESK_DATA])
    rows = repository.tickets_with_zendesk_id(
        session, tenant_id=tenant.id, zendesk_id=zendesk_ticket_id, connection_id=connection_id
    )
    ticket = _one(rows, "ticket", zendesk_ticket_id)
    comments = repository.comments_of_tickets(session, tenant_id=tenant.id, ticket_ids=[ticket.id])
    record(
        session,
        AuditEntry(
            name="zendesk:ticket:read",
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=tenant.id,
            purpose=purpose.value,
            object_type="zendesk_ticket",
            object_id=str(ticket.zendesk_id),
            subject_id=ticket.subject_id,
            details={"connection_id": str(ticket.connection_id), "comments": len(comments)},
        ),
    )
    return ticket_read(keyring, ticket, [comment_read(keyring, c, ticket.zendesk_id) for c in comments])


def export_user(
    session: Session,
    keyring: KeyRing,
    *,
    actor: Actor,
    tenant: Tenant,
    connection_id: uuid.UUID,
    zendesk_user_id: int,
    purpose: Purpose = Purpose.PRIVACY_REQUESTS,
) -> UserExport:
    """Everything held about one Zendesk user: their record, the tickets they requested, their comments.

    In their own tickets, what other people wrote publicly (what the person was sent) is
    kept with its author masked; other people's internal notes are withheld and counted.
    Of other people's tickets, only the person's own comments are included.
    """
    require(actor, Permission.ZENDESK_READ)
    check_purpose(
        session, actor=actor, tenant_id=tenant.id, purpose=purpose, categories=[CUSTOMER_CONTACT, ZENDESK_DATA]
    )
    user = held_user(session, tenant_id=tenant.id, connection_id=connection_id, zendesk_user_id=zendesk_user_id)
    tickets = repository.tickets_requested_by(
        session, tenant_id=tenant.id, connection_id=connection_id, requester_zendesk_id=zendesk_user_id
    )
    own_ticket_ids = {t.id for t in tickets}
    thread = repository.comments_of_tickets(session, tenant_id=tenant.id, ticket_ids=own_ticket_ids)
    by_ticket: dict[uuid.UUID, list[CommentRead]] = {t.id: [] for t in tickets}
    withheld = 0
    for comment in thread:
        ticket = next(t for t in tickets if t.id == comment.ticket_id)
        mine = comment.author_zendesk_id == zendesk_user_id
        if not mine and not comment.public:
            withheld += 1
            continue
        by_ticket[comment.ticket_id].append(comment_read(keyring, comment, ticket.zendesk_id, masked=not mine))
    elsewhere = [
        c
        for c in repository.comments_by_author(
            session,
            tenant_id=tenant.id,
            connection_id=connection_id,
            author_zendesk_id=zendesk_user_id,
            subject_id=user.subject_id,
        )
        if c.ticket_id not in own_ticket_ids
    ]
    other_tickets = repository.tickets_by_row_id(session, tenant_id=tenant.id, row_ids={c.ticket_id for c in elsewhere})
    export = UserExport(
        user=user_read(keyring, user),
        tickets=[ticket_read(keyring, t, by_ticket[t.id]) for t in tickets],
        comments_on_other_tickets=[comment_read(keyring, c, other_tickets[c.ticket_id].zendesk_id) for c in elsewhere],
        withheld_comments=withheld,
    )
    audit_user(
        session,
        actor,
        user,
        "exported",
        purpose,
        tickets=len(tickets),
        comments=sum(len(v) for v in by_ticket.values()) + len(elsewhere),
        withheld=withheld,
    )
    return export


def correct_user(
    session: Session,
    keyring: KeyRing,
    client: ZendeskApi,
    *,
    actor: Actor,
    tenant: Tenant,
    connection: ZendeskConnection,
    zendesk_user_id: int,
    data: UserCorrection,
    purpose: Purpose = Purpose.PRIVACY_REQUESTS,
) -> UserRead:
    """Correct a user's name or email in Zendesk (and so in the mirror), through the disclosure gate."""
    require(actor, Permission.ZENDESK_MANAGE)
    changes = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    if not changes:
        raise ValidationFailed("name, email: give at least one field to correct")
    check_purpose(session, actor=actor, tenant_id=tenant.id, purpose=purpose, categories=[CUSTOMER_CONTACT])
    user = held_user(session, tenant_id=tenant.id, connection_id=connection.id, zendesk_user_id=zendesk_user_id)
    disclose(
        session,
        policy_for(session),
        tenant=tenant,
        recipient_id="zendesk",
        categories=[CUSTOMER_CONTACT],
        purpose=purpose.value,
        actor=actor,
        subject_id=user.subject_id,
        reference=f"zendesk user {zendesk_user_id}",
    )
    updated = client.update_user(zendesk_user_id, changes=changes)
    Mirror(session, keyring, connection).upsert_users([updated])
    audit_user(session, actor, user, "corrected", purpose, fields=sorted(changes))
    return user_read(keyring, user)
