"""Erasing a person in Zendesk, in Zendesk's own order, on the business's instruction.

1. their tickets: their comments redacted (`PUT /api/v2/comment_redactions/{id}`), or the
   tickets deleted (`DELETE /api/v2/tickets/{id}`) and, if so instructed, deleted for good
   (`DELETE /api/v2/deleted_tickets/{id}`); their comments on other people's tickets redacted;
2. the user deleted (`DELETE /api/v2/users/{id}`);
3. the deleted user deleted for good (`DELETE /api/v2/deleted_users/{id}`).

Each step is safe to repeat: what Zendesk no longer has (404) counts as done, and a
comment with nothing left to redact is skipped, so an interrupted erasure is simply run
again. A redaction sends the comment back to Zendesk with its text marked, which is a
disclosure of that text: the gate records it before the first one. Deletions send ids
only. The local mirror follows each step; destroying the person's key here is the
privacy request's own step (`subjects.service.erase_subject`).
"""

from __future__ import annotations

import contextlib
import re
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.disclosures.service import disclose
from omniwise.keys import KeyRing
from omniwise.kit.clock import utcnow
from omniwise.policy.binding import policy_for
from omniwise.policy.purposes import Purpose
from omniwise.tenants.models import Tenant
from omniwise.tenants.service import require
from omniwise.zendesk import repository
from omniwise.zendesk.client import ZendeskApi
from omniwise.zendesk.errors import ZendeskNotFound
from omniwise.zendesk.events import purge_ticket
from omniwise.zendesk.models import CUSTOMER_CONTACT, ZENDESK_DATA, ZendeskConnection
from omniwise.zendesk.people import check_purpose
from omniwise.zendesk.records import REDACTION_MARK, Mirror
from omniwise.zendesk.resources import Comment
from omniwise.zendesk.schemas import ForgetReport, TicketInstruction

TAG_SPLIT = re.compile(r"(<[^>]*>)")


def mark_for_redaction(html_body: str) -> str | None:
    """The comment's own HTML with every piece of text wrapped in <redact> tags; None if nothing is left."""
    parts = TAG_SPLIT.split(html_body)
    marked, found = [], False
    for part in parts:
        if part.startswith("<") or not part.strip() or not part.strip().strip(REDACTION_MARK):
            marked.append(part)
        else:
            marked.append(f"<redact>{part}</redact>")
            found = True
    return "".join(marked) if found else None


@dataclass
class _Disclosure:
    """Records the redaction disclosure once, before the first comment text leaves."""

    session: Session
    tenant: Tenant
    actor: Actor
    purpose: Purpose
    subject_id: uuid.UUID | None
    reference: str
    done: bool = False

    def __call__(self) -> None:
        if not self.done:
            disclose(
                self.session,
                policy_for(self.session),
                tenant=self.tenant,
                recipient_id="zendesk",
                categories=[ZENDESK_DATA],
                purpose=self.purpose.value,
                actor=self.actor,
                subject_id=self.subject_id,
                reference=self.reference,
            )
            self.done = True


def _redact_comments(
    session: Session,
    keyring: KeyRing,
    client: ZendeskApi,
    connection: ZendeskConnection,
    *,
    ticket_id: int,
    author_id: int | None,
    before_send: _Disclosure,
) -> int:
    """Redact the comments of one ticket (only `author_id`'s, when given); the count redacted."""
    try:
        comments = client.ticket_comments(ticket_id)
    except ZendeskNotFound:
        return 0
    redacted: list[Comment] = []
    for comment in comments:
        if author_id is not None and comment.author_id != author_id:
            continue
        marked = mark_for_redaction(comment.html_body or "")
        if marked is None:
            continue
        before_send()
        try:
            redacted.append(client.redact_comment(ticket_id=ticket_id, comment_id=comment.id, html_body=marked))
        except ZendeskNotFound:
            continue
    if redacted:
        row = repository.tickets_by_zendesk_id(
            session, tenant_id=connection.tenant_id, connection_id=connection.id, zendesk_ids=[ticket_id]
        ).get(ticket_id)
        if row is not None and row.purged_at is None:
            Mirror(session, keyring, connection).store_comments(row, redacted, synced_for=None)
    return len(redacted)


def delete_ticket(
    session: Session, client: ZendeskApi, connection: ZendeskConnection, *, ticket_id: int, permanently: bool
) -> tuple[bool, bool]:
    """Soft-delete a ticket, then, if asked, delete it for good; (deleted, deleted for good)."""
    deleted = purged = False
    try:
        client.delete_ticket(ticket_id)
        deleted = True
    except ZendeskNotFound:
        deleted = True  # already in deleted tickets (or gone): the permanent step still applies
    row = repository.tickets_by_zendesk_id(
        session, tenant_id=connection.tenant_id, connection_id=connection.id, zendesk_ids=[ticket_id]
    ).get(ticket_id)
    if row is not None and row.deleted_at is None:
        row.deleted_at = utcnow()
    if permanently:
        with contextlib.suppress(ZendeskNotFound):  # deleted for good already
            client.delete_ticket_permanently(ticket_id)
        purged = True
        purge_ticket(session, connection, ticket_id)
    session.flush()
    return deleted, purged


def forget_user(
    session: Session,
    keyring: KeyRing,
    client: ZendeskApi,
    *,
    actor: Actor,
    tenant: Tenant,
    connection: ZendeskConnection,
    zendesk_user_id: int,
    tickets: TicketInstruction,
    purpose: Purpose = Purpose.PRIVACY_REQUESTS,
) -> ForgetReport:
    """Forget one person in Zendesk: their tickets as instructed, then the user, then the deleted user."""
    require(actor, Permission.ZENDESK_MANAGE)
    check_purpose(
        session, actor=actor, tenant_id=tenant.id, purpose=purpose, categories=[ZENDESK_DATA, CUSTOMER_CONTACT]
    )
    held = repository.users_with_zendesk_id(
        session, tenant_id=tenant.id, zendesk_id=zendesk_user_id, connection_id=connection.id
    )
    subject_id = held[0].subject_id if held else None
    before_send = _Disclosure(
        session, tenant, actor, purpose, subject_id, f"zendesk user {zendesk_user_id}: comment redactions"
    )
    report = ForgetReport(
        zendesk_user_id=zendesk_user_id,
        comments_redacted=0,
        tickets_deleted=0,
        tickets_deleted_permanently=0,
        user_deleted=False,
        user_deleted_permanently=False,
    )
    try:
        requested = set(client.requested_ticket_ids(zendesk_user_id))
    except ZendeskNotFound:
        requested = set()
    local = repository.tickets_requested_by(
        session, tenant_id=tenant.id, connection_id=connection.id, requester_zendesk_id=zendesk_user_id
    )
    requested |= {
        t.zendesk_id for t in local if t.deleted_at is None or tickets is TicketInstruction.DELETE_PERMANENTLY
    }
    for ticket_id in sorted(requested):
        if tickets is TicketInstruction.REDACT:
            report.comments_redacted += _redact_comments(
                session,
                keyring,
                client,
                connection,
                ticket_id=ticket_id,
                author_id=zendesk_user_id,
                before_send=before_send,
            )
        else:
            deleted, purged = delete_ticket(
                session,
                client,
                connection,
                ticket_id=ticket_id,
                permanently=tickets is TicketInstruction.DELETE_PERMANENTLY,
            )
            report.tickets_deleted += int(deleted)
            report.tickets_deleted_permanently += int(purged)
    # their words on other people's tickets are theirs too; the tickets are not
    elsewhere = {
        c.ticket_id
        for c in repository.comments_by_author(
            session,
            tenant_id=tenant.id,
            connection_id=connection.id,
            author_zendesk_id=zendesk_user_id,
            subject_id=subject_id,
        )
    }
    for other in repository.tickets_by_row_id(session, tenant_id=tenant.id, row_ids=elsewhere).values():
        if other.zendesk_id not in requested:
            report.comments_redacted += _redact_comments(
                session,
                keyring,
                client,
                connection,
                ticket_id=other.zendesk_id,
                author_id=zendesk_user_id,
                before_send=before_send,
            )
    with contextlib.suppress(ZendeskNotFound):  # deleted already
        client.delete_user(zendesk_user_id)
    report.user_deleted = True
    with contextlib.suppress(ZendeskNotFound):  # deleted for good already
        client.delete_user_permanently(zendesk_user_id)
    report.user_deleted_permanently = True
    for row in held:
        row.active = False
        row.deleted_at = row.deleted_at or utcnow()
    session.flush()
    record(
        session,
        AuditEntry(
            name="zendesk:user:forgotten",
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=tenant.id,
            purpose=purpose.value,
            object_type="zendesk_user",
            object_id=str(zendesk_user_id),
            subject_id=subject_id,
            details={"connection_id": str(connection.id), "tickets": tickets.value, **report.model_dump()},
        ),
    )
    return report
