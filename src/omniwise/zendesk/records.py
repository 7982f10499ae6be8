"""The local mirror of a Zendesk account: idempotent upserts, sealing under each person's key, reading back.

Every write compares Zendesk's `updated_at` with the one stored, so a record seen again
(a resumed sync, a duplicate event) changes nothing, and an older version arriving late
(an event delivered out of order) never overwrites a newer one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from omniwise.keys import KeyRing
from omniwise.kit.clock import utcnow
from omniwise.kit.crypto import FieldCipher, blind_index
from omniwise.subjects.service import create_subject
from omniwise.zendesk import repository
from omniwise.zendesk.models import ZendeskComment, ZendeskConnection, ZendeskOrganization, ZendeskTicket, ZendeskUser
from omniwise.zendesk.resources import Comment, Organization, Ticket, User
from omniwise.zendesk.schemas import CommentRead, TicketRead, UserRead

SUBJECT_KIND = "zendesk_user"
REDACTION_MARK = "\u2587"  # Zendesk replaces each redacted character with ▇


def email_key(email: str) -> str:
    return email.strip().casefold()


def is_newer(incoming: datetime | None, stored: datetime | None) -> bool:
    """Whether a version stamped `incoming` may replace the one stamped `stored` (ties apply again)."""
    return stored is None or incoming is None or incoming >= stored


class Mirror:
    """Writes one connection's records; caches the people it has looked up for one unit of work."""

    def __init__(self, session: Session, keyring: KeyRing, connection: ZendeskConnection) -> None:
        self.session = session
        self.keyring = keyring
        self.connection = connection
        self.tenant_id = connection.tenant_id
        self._users: dict[int, ZendeskUser] = {}

    def _cipher(self, subject_id: uuid.UUID) -> FieldCipher:
        return self.keyring.cipher(self.tenant_id, subject_id)

    # people

    def ensure_users(self, zendesk_ids: Iterable[int]) -> dict[int, ZendeskUser]:
        """The rows of these users, creating an id-only row (a person with a key) for each one not seen yet."""
        wanted = {int(z) for z in zendesk_ids if z is not None}
        missing = wanted - self._users.keys()
        if missing:
            self._users.update(
                repository.users_by_zendesk_id(
                    self.session, tenant_id=self.tenant_id, connection_id=self.connection.id, zendesk_ids=missing
                )
            )
        for zendesk_id in sorted(wanted - self._users.keys()):
            subject, _ = create_subject(self.session, self.keyring, tenant_id=self.tenant_id, kind=SUBJECT_KIND)
            row = ZendeskUser(
                id=uuid.uuid4(),
                tenant_id=self.tenant_id,
                connection_id=self.connection.id,
                subject_id=subject.id,
                zendesk_id=zendesk_id,
                active=True,
            )
            self.session.add(row)
            self._users[zendesk_id] = row
        return {z: self._users[z] for z in wanted}

    def upsert_users(self, users: Sequence[User]) -> int:
        rows = self.ensure_users(u.id for u in users)
        index_key = self.keyring.index_key(self.tenant_id)
        changed = 0
        for user in users:
            row = rows[user.id]
            if not is_newer(user.updated_at, row.zendesk_updated_at):
                continue
            cipher = self._cipher(row.subject_id)
            row.name_ct = cipher.seal_optional(user.name, table="zendesk_users", column="name", row_id=row.id)
            row.email_ct = cipher.seal_optional(user.email, table="zendesk_users", column="email", row_id=row.id)
            row.phone_ct = cipher.seal_optional(user.phone, table="zendesk_users", column="phone", row_id=row.id)
            row.email_bidx = blind_index(index_key, "email", email_key(user.email)) if user.email else None
            row.role = user.role
            row.organization_zendesk_id = user.organization_id
            row.active = user.active
            row.deleted_at = None if user.active else (row.deleted_at or utcnow())
            row.zendesk_updated_at = user.updated_at
            changed += 1
        self.session.flush()
        return changed

    def apply_user_fields(
        self, zendesk_id: int, fields: dict[str, str | int | bool | None], at: datetime | None
    ) -> bool:
        """Apply the fields an event carries (an event names only some of them); older news is ignored."""
        row = self.ensure_users([zendesk_id])[zendesk_id]
        if not is_newer(at, row.zendesk_updated_at):
            return False
        cipher = self._cipher(row.subject_id)
        for name in ("name", "email", "phone"):
            if name in fields:
                value = fields[name]
                text = None if value is None else str(value)
                setattr(
                    row, f"{name}_ct", cipher.seal_optional(text, table="zendesk_users", column=name, row_id=row.id)
                )
                if name == "email":
                    index_key = self.keyring.index_key(self.tenant_id)
                    row.email_bidx = blind_index(index_key, "email", email_key(text)) if text else None
        if "role" in fields:
            row.role = None if fields["role"] is None else str(fields["role"]).lower().replace("_", "-")
        if "organization_id" in fields:
            org = fields["organization_id"]
            row.organization_zendesk_id = int(org) if org is not None else None
        if "active" in fields:
            row.active = bool(fields["active"])
            row.deleted_at = None if row.active else (row.deleted_at or utcnow())
        if at is not None:
            row.zendesk_updated_at = at
        self.session.flush()
        return True

    # organisations

    def upsert_organizations(self, orgs: Sequence[Organization]) -> int:
        existing = repository.organizations_by_zendesk_id(
            self.session, tenant_id=self.tenant_id, connection_id=self.connection.id, zendesk_ids=[o.id for o in orgs]
        )
        cipher = self.keyring.tenant_cipher(self.tenant_id)
        changed = 0
        for org in orgs:
            row = existing.get(org.id)
            if row is None:
                row = ZendeskOrganization(
                    id=uuid.uuid4(), tenant_id=self.tenant_id, connection_id=self.connection.id, zendesk_id=org.id
                )
                self.session.add(row)
            elif not is_newer(org.updated_at, row.zendesk_updated_at):
                continue
            row.name_ct = cipher.seal_optional(org.name, table="zendesk_organizations", column="name", row_id=row.id)
            row.domain_names_ct = cipher.seal(
                json.dumps(org.domain_names), table="zendesk_organizations", column="domain_names", row_id=row.id
            )
            row.zendesk_updated_at = org.updated_at
            row.deleted_at = org.deleted_at
            changed += 1
        self.session.flush()
        return changed

    # tickets and comments

    def upsert_tickets(self, tickets: Sequence[Ticket]) -> list[ZendeskTicket]:
        """Store these tickets; return the rows whose comments are older than the ticket itself."""
        existing = repository.tickets_by_zendesk_id(
            self.session,
            tenant_id=self.tenant_id,
            connection_id=self.connection.id,
            zendesk_ids=[t.id for t in tickets],
        )
        people = self.ensure_users(t.requester_id for t in tickets if t.requester_id is not None)
        stale: list[ZendeskTicket] = []
        for ticket in tickets:
            if ticket.requester_id is None:
                continue
            row = existing.get(ticket.id)
            if row is not None and (
                row.purged_at is not None or not is_newer(ticket.updated_at, row.zendesk_updated_at)
            ):
                if row.purged_at is None and _comments_behind(row):
                    stale.append(row)
                continue
            if row is None:
                row = ZendeskTicket(
                    id=uuid.uuid4(), tenant_id=self.tenant_id, connection_id=self.connection.id, zendesk_id=ticket.id
                )
                self.session.add(row)
            self._write_ticket(row, people[ticket.requester_id], ticket)
            if _comments_behind(row):
                stale.append(row)
        self.session.flush()
        return stale

    def _write_ticket(self, row: ZendeskTicket, requester: ZendeskUser, ticket: Ticket) -> None:
        # a ticket is its requester's: a new requester means a new key for its fields
        row.subject_id = requester.subject_id
        row.requester_zendesk_id = requester.zendesk_id
        cipher = self._cipher(requester.subject_id)
        row.subject_ct = cipher.seal_optional(ticket.subject, table="zendesk_tickets", column="subject", row_id=row.id)
        row.description_ct = cipher.seal_optional(
            ticket.description, table="zendesk_tickets", column="description", row_id=row.id
        )
        row.organization_zendesk_id = ticket.organization_id
        row.priority = ticket.priority
        row.type = ticket.type
        row.zendesk_created_at = ticket.created_at
        row.zendesk_updated_at = ticket.updated_at
        if ticket.status == "deleted":
            row.deleted_at = row.deleted_at or utcnow()
        else:
            row.status = ticket.status
            row.deleted_at = None
        if row.status is None:
            row.status = "deleted" if ticket.status == "deleted" else ticket.status

    def apply_ticket_fields(
        self,
        zendesk_id: int,
        requester_zendesk_id: int,
        fields: dict[str, str | int | None],
        at: datetime | None,
        *,
        created_at: datetime | None = None,
    ) -> ZendeskTicket | None:
        """Apply an event's view of a ticket, if it is not older than what is stored."""
        row = repository.tickets_by_zendesk_id(
            self.session, tenant_id=self.tenant_id, connection_id=self.connection.id, zendesk_ids=[zendesk_id]
        ).get(zendesk_id)
        if row is not None and (row.purged_at is not None or not is_newer(at, row.zendesk_updated_at)):
            return None
        requester = self.ensure_users([requester_zendesk_id])[requester_zendesk_id]
        if row is None:
            row = ZendeskTicket(
                id=uuid.uuid4(),
                tenant_id=self.tenant_id,
                connection_id=self.connection.id,
                zendesk_id=zendesk_id,
                status=str(fields.get("status") or "new"),
            )
            self.session.add(row)
        current = self.read_ticket_fields(row) if row.subject_ct is not None or row.description_ct is not None else {}
        merged = Ticket(
            id=zendesk_id,
            requester_id=requester_zendesk_id,
            subject=_str(fields["subject"]) if "subject" in fields else current.get("subject"),
            description=_str(fields["description"]) if "description" in fields else current.get("description"),
            status=str(fields.get("status") or row.status or "new"),
            priority=_str(fields["priority"]) if "priority" in fields else row.priority,
            type=_str(fields["type"]) if "type" in fields else row.type,
            organization_id=_int(fields["organization_id"])
            if "organization_id" in fields
            else row.organization_zendesk_id,
            created_at=row.zendesk_created_at or created_at,
            updated_at=at,
        )
        self._write_ticket(row, requester, merged)
        self.session.flush()
        return row

    def read_ticket_fields(self, row: ZendeskTicket) -> dict[str, str | None]:
        cipher = self._cipher(row.subject_id)
        return {
            "subject": cipher.open_optional(row.subject_ct, table="zendesk_tickets", column="subject", row_id=row.id),
            "description": cipher.open_optional(
                row.description_ct, table="zendesk_tickets", column="description", row_id=row.id
            ),
        }

    def store_comments(self, ticket: ZendeskTicket, comments: Sequence[Comment], *, synced_for: datetime | None) -> int:
        """Store a ticket's comments (each under its author's key); with `synced_for`, mark them current."""
        existing = repository.comments_by_zendesk_id(
            self.session,
            tenant_id=self.tenant_id,
            connection_id=self.connection.id,
            zendesk_ids=[c.id for c in comments],
        )
        authors = self.ensure_users(c.author_id for c in comments)
        written = 0
        for comment in comments:
            body = comment.plain_body if comment.plain_body is not None else comment.body
            row = existing.get(comment.id)
            if row is None:
                row = ZendeskComment(
                    id=uuid.uuid4(),
                    tenant_id=self.tenant_id,
                    connection_id=self.connection.id,
                    zendesk_id=comment.id,
                )
                self.session.add(row)
            elif row.ticket_id == ticket.id and row.redacted == _redacted(body) and row.body_ct is not None:
                continue  # comments never change in Zendesk except by redaction
            author = authors[comment.author_id]
            row.ticket_id = ticket.id
            row.subject_id = author.subject_id
            row.author_zendesk_id = author.zendesk_id
            row.public = comment.public
            row.zendesk_created_at = comment.created_at
            row.body_ct = self._cipher(author.subject_id).seal_optional(
                body, table="zendesk_comments", column="body", row_id=row.id
            )
            row.redacted = _redacted(body)
            written += 1
        if synced_for is not None:
            ticket.comments_synced_at = synced_for
        self.session.flush()
        return written


def _comments_behind(row: ZendeskTicket) -> bool:
    return row.comments_synced_at is None or (
        row.zendesk_updated_at is not None and row.comments_synced_at < row.zendesk_updated_at
    )


def _redacted(body: str | None) -> bool:
    return body is not None and REDACTION_MARK in body


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _int(value: object) -> int | None:
    return None if value is None else int(str(value))


# reading back


def user_read(keyring: KeyRing, row: ZendeskUser) -> UserRead:
    cipher = keyring.cipher(row.tenant_id, row.subject_id)

    def field(name: str) -> str | None:
        return cipher.open_optional(getattr(row, f"{name}_ct"), table="zendesk_users", column=name, row_id=row.id)

    return UserRead(
        zendesk_id=row.zendesk_id,
        connection_id=row.connection_id,
        name=field("name"),
        email=field("email"),
        phone=field("phone"),
        role=row.role,
        organization_zendesk_id=row.organization_zendesk_id,
        active=row.active,
        deleted=row.deleted_at is not None,
        updated_at=row.zendesk_updated_at,
    )


def comment_read(keyring: KeyRing, row: ZendeskComment, ticket_zendesk_id: int, *, masked: bool = False) -> CommentRead:
    """A comment; `masked` hides who wrote it (someone other than the person the reader asks about)."""
    body = keyring.cipher(row.tenant_id, row.subject_id).open_optional(
        row.body_ct, table="zendesk_comments", column="body", row_id=row.id
    )
    return CommentRead(
        zendesk_id=row.zendesk_id,
        ticket_zendesk_id=ticket_zendesk_id,
        author_zendesk_id=None if masked else row.author_zendesk_id,
        public=row.public,
        body=body,
        redacted=row.redacted,
        created_at=row.zendesk_created_at,
    )


def ticket_read(keyring: KeyRing, row: ZendeskTicket, comments: list[CommentRead]) -> TicketRead:
    cipher = keyring.cipher(row.tenant_id, row.subject_id)
    return TicketRead(
        zendesk_id=row.zendesk_id,
        connection_id=row.connection_id,
        subject=cipher.open_optional(row.subject_ct, table="zendesk_tickets", column="subject", row_id=row.id),
        description=cipher.open_optional(
            row.description_ct, table="zendesk_tickets", column="description", row_id=row.id
        ),
        status=row.status,
        priority=row.priority,
        type=row.type,
        requester_zendesk_id=row.requester_zendesk_id,
        organization_zendesk_id=row.organization_zendesk_id,
        created_at=row.zendesk_created_at,
        updated_at=row.zendesk_updated_at,
        deleted=row.deleted_at is not None,
        comments=comments,
    )
