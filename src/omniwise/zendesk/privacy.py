"""What the Zendesk integration contributes to privacy requests (Omni Wise is the business's processor).

A business's customers in its Zendesk data are found in the mirror by the blind index on
their email, in every connection of the business (`people.find_users_by_email`). Their
requests are the business's to decide; the engine calls `erase` only with the business's
instruction (`StepContext.zendesk_instruction`).

- **Access**: `people.export_user` per connection: their user record, the tickets they
  requested and the comments they wrote; in their own tickets, what others wrote publicly
  is kept with its author masked and others' internal notes are withheld (and counted).
- **Deletion**: in the real Zendesk first, through the connection's client, in Zendesk's
  order (`erasure.forget_user`: their comments redacted or their tickets deleted as
  instructed, then the user deleted, then deleted for good; a 404 counts as done, so a
  run repeated after a failure finishes the same); then the mirror is crypto-shredded
  (`subjects.service.erase_subject`: their key, then their user row, tickets and comments
  by subject id, in one statement per table).
- **Correction**: `people.correct_user` (name, email), which sends the change to Zendesk
  through the disclosure gate and stores Zendesk's answer in the mirror.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.errors import Conflict, NotFound
from omniwise.keys import KeyDestroyed
from omniwise.policy.purposes import Purpose
from omniwise.privacy.contract import (
    ExportSection,
    Holding,
    Outcome,
    StepContext,
    SubjectRole,
    checked_changes,
    contribution,
    iso,
    record_schema,
)
from omniwise.subjects.service import erase_subject
from omniwise.tenants.models import Tenant
from omniwise.zendesk import people, repository
from omniwise.zendesk.connections import client_for
from omniwise.zendesk.erasure import forget_user
from omniwise.zendesk.models import CUSTOMER_CONTACT, ZENDESK_DATA, ZendeskConnection
from omniwise.zendesk.schemas import TicketInstruction, UserCorrection, UserExport

NAME = "zendesk"
MIRROR = "platform database (Zendesk mirror)"
KEY_STORE = "key store (the person's own key)"
LABELS = {"name": "Name in Zendesk", "email": "Email address in Zendesk"}

USERS_SCHEMA = record_schema(
    "Your user record in a business's Zendesk account",
    {
        "connection_id": ("string", False),
        "zendesk_id": ("integer", False),
        "name": ("string", True),
        "email": ("string", True),
        "phone": ("string", True),
        "role": ("string", True),
        "organization_zendesk_id": ("integer", True),
        "active": ("boolean", False),
        "deleted": ("boolean", False),
        "updated_at": ("string", True),
        "withheld_comments": ("integer", False),
    },
)
TICKETS_SCHEMA = record_schema(
    "A ticket you requested",
    {
        "connection_id": ("string", False),
        "zendesk_id": ("integer", False),
        "subject": ("string", True),
        "description": ("string", True),
        "status": ("string", False),
        "priority": ("string", True),
        "type": ("string", True),
        "organization_zendesk_id": ("integer", True),
        "created_at": ("string", True),
        "updated_at": ("string", True),
        "deleted": ("boolean", False),
    },
)
COMMENTS_SCHEMA = record_schema(
    "A comment you wrote, or one written publicly to you on your ticket (its author masked)",
    {
        "connection_id": ("string", False),
        "ticket_zendesk_id": ("integer", False),
        "zendesk_id": ("integer", False),
        "written_by_you": ("boolean", False),
        "on_your_ticket": ("boolean", False),
        "author_zendesk_id": ("integer", True),
        "public": ("boolean", False),
        "body": ("string", True),
        "redacted": ("boolean", False),
        "created_at": ("string", True),
    },
)


@dataclass(frozen=True)
class _Held:
    tenant: Tenant
    connection_id: uuid.UUID
    zendesk_user_id: int


def _held(session: Session, holding: Holding) -> _Held:
    tenant = session.get(Tenant, holding.tenant_id) if holding.tenant_id is not None else None
    if tenant is None:
        raise NotFound(f"tenant {holding.tenant_id} does not exist")
    connection_id, _, zendesk_id = holding.key.partition(":")
    return _Held(tenant, uuid.UUID(connection_id), int(zendesk_id))


def _connection(session: Session, held: _Held) -> ZendeskConnection:
    connection = repository.get_connection(session, tenant_id=held.tenant.id, connection_id=held.connection_id)
    if connection is None:
        raise NotFound(f"zendesk connection {held.connection_id} does not exist")
    return connection


def where(connection: ZendeskConnection) -> str:
    return f"Zendesk ({urlsplit(connection.base_url).hostname or connection.subdomain})"


def _still_held(session: Session, held: _Held) -> bool:
    return bool(
        repository.users_with_zendesk_id(
            session, tenant_id=held.tenant.id, zendesk_id=held.zendesk_user_id, connection_id=held.connection_id
        )
    )


def _audit(ctx: StepContext, holding: Holding, action: str, **details: object) -> None:
    record(
        ctx.session,
        AuditEntry(
            name=f"privacy:zendesk_user:{action}",
            actor_type=ctx.actor.kind,
            actor_id=ctx.actor.id,
            tenant_id=holding.tenant_id,
            purpose=ctx.purpose,
            object_type="zendesk_user",
            object_id=holding.key,
            subject_id=holding.subject_id,
            details={"request_id": str(ctx.request_id), **details},
        ),
    )


def _sections(exports: list[UserExport]) -> Iterator[ExportSection]:
    users = []
    tickets = []
    comments = []
    for export in exports:
        user = export.user
        connection_id = str(user.connection_id)
        users.append(
            {
                "connection_id": connection_id,
                "zendesk_id": user.zendesk_id,
                "name": user.name,
                "email": user.email,
                "phone": user.phone,
                "role": user.role,
                "organization_zendesk_id": user.organization_zendesk_id,
                "active": user.active,
                "deleted": user.deleted,
                "updated_at": iso(user.updated_at),
                "withheld_comments": export.withheld_comments,
            }
        )
        threads = [(t.comments, True) for t in export.tickets] + [(export.comments_on_other_tickets, False)]
        for ticket in export.tickets:
            tickets.append(
                {
                    "connection_id": connection_id,
                    "zendesk_id": ticket.zendesk_id,
                    "subject": ticket.subject,
                    "description": ticket.description,
                    "status": ticket.status,
                    "priority": ticket.priority,
                    "type": ticket.type,
                    "organization_zendesk_id": ticket.organization_zendesk_id,
                    "created_at": iso(ticket.created_at),
                    "updated_at": iso(ticket.updated_at),
                    "deleted": ticket.deleted,
                }
            )
        for thread, own_ticket in threads:
            for comment in thread:
                comments.append(
                    {
                        "connection_id": connection_id,
                        "ticket_zendesk_id": comment.ticket_zendesk_id,
                        "zendesk_id": comment.zendesk_id,
                        "written_by_you": comment.author_zendesk_id == user.zendesk_id,
                        "on_your_ticket": own_ticket,
                        "author_zendesk_id": comment.author_zendesk_id,
                        "public": comment.public,
                        "body": comment.body,
                        "redacted": comment.redacted,
                        "created_at": iso(comment.created_at),
                    }
                )
    yield ExportSection("zendesk_users", CUSTOMER_CONTACT, "You in businesses' Zendesk accounts", USERS_SCHEMA, users)
    yield ExportSection("zendesk_tickets", ZENDESK_DATA, "Tickets you requested", TICKETS_SCHEMA, tickets)
    yield ExportSection(
        "zendesk_comments",
        ZENDESK_DATA,
        "Your comments, and what you were written (others' names masked, internal notes withheld)",
        COMMENTS_SCHEMA,
        comments,
    )


def _correction(changes: Mapping[str, str]) -> UserCorrection:
    """The requested changes this part holds, read by its own correction schema."""
    return checked_changes(UserCorrection, {key: value for key, value in changes.items() if key in LABELS})


def _account(session: Session, connection_id: uuid.UUID) -> str:
    """The Zendesk account a holding is in, as the business knows it (its subdomain's address)."""
    connection = repository.connection_by_id(session, connection_id=connection_id)
    return f"{connection.subdomain}.zendesk.com" if connection is not None else f"connection {connection_id}"


@contribution
class ZendeskContribution:
    """A business's customers as its Zendesk account knows them: user record, tickets, comments."""

    name = NAME

    def locate(self, ctx: StepContext, *, email: str, tenant_id: uuid.UUID | None) -> list[Holding]:
        tenants = [tenant_id] if tenant_id is not None else repository.tenants_with_users(ctx.session)
        holdings = []
        for tenant in tenants:
            people.check_purpose(
                ctx.session,
                actor=ctx.actor,
                tenant_id=tenant,
                purpose=Purpose.PRIVACY_REQUESTS,
                categories=[CUSTOMER_CONTACT],
            )
            try:
                found = people.find_users_by_email(ctx.session, ctx.runtime.keyring, tenant_id=tenant, email=email)
            except KeyDestroyed:
                continue  # a candidate shredded by an erasure whose deletes are still to come
            for row in found:
                tickets, comments = repository.count_held_for(
                    ctx.session,
                    tenant_id=tenant,
                    connection_id=row.connection_id,
                    zendesk_user_id=row.zendesk_id,
                    subject_id=row.subject_id,
                )
                holdings.append(
                    Holding(
                        contribution=NAME,
                        category=CUSTOMER_CONTACT,
                        role=SubjectRole.PROCESSOR,
                        tenant_id=tenant,
                        subject_id=row.subject_id,
                        key=f"{row.connection_id}:{row.zendesk_id}",
                        records=1 + tickets + comments,
                        description=f"Zendesk user {row.zendesk_id} in {_account(ctx.session, row.connection_id)}",
                    )
                )
        return holdings

    def export(self, ctx: StepContext, holdings: list[Holding]) -> Iterator[ExportSection]:
        if not holdings:
            return
        exports = []
        for holding in holdings:
            held = _held(ctx.session, holding)
            if not _still_held(ctx.session, held):
                continue
            exports.append(
                people.export_user(
                    ctx.session,
                    ctx.runtime.keyring,
                    actor=ctx.actor,
                    tenant=held.tenant,
                    connection_id=held.connection_id,
                    zendesk_user_id=held.zendesk_user_id,
                    purpose=Purpose.PRIVACY_REQUESTS,
                )
            )
        yield from _sections(exports)

    def erase(self, ctx: StepContext, holdings: list[Holding]) -> list[Outcome]:
        if not holdings:
            return []
        if ctx.zendesk_instruction is None:
            raise Conflict("zendesk_instruction: the business has not instructed what to do with this person's tickets")
        instruction = TicketInstruction(ctx.zendesk_instruction.value)
        outcomes: list[Outcome] = []
        rows = keys = 0
        for holding in holdings:
            held = _held(ctx.session, holding)
            connection = _connection(ctx.session, held)
            outcomes += self._forget(ctx, holding, held, connection, instruction)
            if holding.subject_id is not None:
                report = erase_subject(
                    ctx.session,
                    ctx.runtime.keyring,
                    tenant_id=held.tenant.id,
                    subject_id=holding.subject_id,
                    actor=ctx.actor,
                    purpose=ctx.purpose,
                )
                rows += sum(report.rows_deleted.values())
                keys += int(report.key_destroyed)
        outcomes.append(Outcome(NAME, CUSTOMER_CONTACT, "deleted", KEY_STORE, keys))
        outcomes.append(Outcome(NAME, CUSTOMER_CONTACT, "deleted", MIRROR, rows))
        return outcomes

    def _forget(
        self,
        ctx: StepContext,
        holding: Holding,
        held: _Held,
        connection: ZendeskConnection,
        instruction: TicketInstruction,
    ) -> list[Outcome]:
        place = where(connection)
        if connection.status != "active":
            _audit(ctx, holding, "not_reachable", connection_status=connection.status)
            reason = f"the connection is {connection.status}: the business holds this data in its own Zendesk account"
            return [Outcome(NAME, CUSTOMER_CONTACT, "not_found", place, 0, reason=reason)]
        with client_for(ctx.session, ctx.runtime.keyring, ctx.runtime.settings, connection) as api:
            report = forget_user(
                ctx.session,
                ctx.runtime.keyring,
                api,
                actor=ctx.actor,
                tenant=held.tenant,
                connection=connection,
                zendesk_user_id=held.zendesk_user_id,
                tickets=instruction,
                purpose=Purpose.PRIVACY_REQUESTS,
            )
        _audit(ctx, holding, "forgotten", instruction=instruction.value)
        outcomes = [Outcome(NAME, ZENDESK_DATA, "redacted", place, report.comments_redacted)]
        if instruction is not TicketInstruction.REDACT:
            outcomes.append(Outcome(NAME, ZENDESK_DATA, "deleted", place, report.tickets_deleted))
        outcomes.append(
            Outcome(
                NAME, CUSTOMER_CONTACT, "deleted", place, int(report.user_deleted and report.user_deleted_permanently)
            )
        )
        return outcomes

    def correctable(self) -> Mapping[str, str]:
        return LABELS

    def check_changes(self, changes: Mapping[str, str]) -> None:
        _correction(changes)

    def correct(self, ctx: StepContext, holdings: list[Holding]) -> list[Outcome]:
        data = _correction(ctx.changes)
        if not holdings or not data.model_fields_set:
            return []
        outcomes = []
        for holding in holdings:
            held = _held(ctx.session, holding)
            connection = _connection(ctx.session, held)
            if not _still_held(ctx.session, held) or connection.status != "active":
                continue
            with client_for(ctx.session, ctx.runtime.keyring, ctx.runtime.settings, connection) as api:
                people.correct_user(
                    ctx.session,
                    ctx.runtime.keyring,
                    api,
                    actor=ctx.actor,
                    tenant=held.tenant,
                    connection=connection,
                    zendesk_user_id=held.zendesk_user_id,
                    data=data,
                    purpose=Purpose.PRIVACY_REQUESTS,
                )
            outcomes.append(Outcome(NAME, CUSTOMER_CONTACT, "corrected", where(connection), 1))
            outcomes.append(Outcome(NAME, CUSTOMER_CONTACT, "corrected", MIRROR, 1))
        return outcomes

    def opt_out(self, ctx: StepContext, holdings: list[Holding], *, email: str) -> list[Outcome]:
        return []  # the business's own messages to its customers are its own; ours go through messaging
