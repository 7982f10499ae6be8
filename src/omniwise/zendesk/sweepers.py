"""Retention of the Zendesk mirror: what a disconnected account left behind, and webhook payloads never read.

The clock of `zendesk_integration_data` and `customer_contact_information` starts when the
business disconnects the account (`ZendeskConnection.disconnected_at`). Tickets, comments,
organisations and stored webhook events go with the first category; the people with the
second, by crypto-shredding: their keys are destroyed in bulk and every row of theirs
deleted (`subjects.service.erase_subjects`). A ticket is sealed under its requester's key
and a comment under its author's, so what the people's erasure reaches of the first
category goes with them whatever its own period says.

A legal hold on a person keeps every ticket thread they are part of, as requester or as
a commenter: the ticket, everyone's comments on it, and the people of the thread (erasing
one of them would take the thread's rows that are theirs).

Raw webhook payloads are sealed under the tenant's key while they wait and dropped once
processed; one still there after the policy's `unprocessed_webhooks` period (processing
failed for good, or never came) is dropped by its own rule, whatever the connection.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select

from omniwise.policy.model import Trigger
from omniwise.policy.purposes import Purpose
from omniwise.retention.registry import (
    Column,
    Expiry,
    SweepBatch,
    Sweeper,
    batch_keys,
    delete_rows,
    older_than,
    register_sweeper,
    set_values,
)
from omniwise.subjects.service import erase_subjects
from omniwise.zendesk.models import (
    CUSTOMER_CONTACT,
    ZENDESK_DATA,
    ZendeskComment,
    ZendeskConnection,
    ZendeskOrganization,
    ZendeskTicket,
    ZendeskUser,
    ZendeskWebhookEvent,
)

UNPROCESSED_WEBHOOKS = "unprocessed_webhooks"
EXPIRED_OUTCOME = "payload dropped unread: past its retention period"


def _disconnected_before(connection: Column) -> Expiry:
    """Rows of connections disconnected before the cutoff (a live connection's rows never expire here)."""

    def expiry(cutoff: datetime) -> ColumnElement[bool]:
        gone = select(ZendeskConnection.id).where(
            ZendeskConnection.disconnected_at.is_not(None), ZendeskConnection.disconnected_at < cutoff
        )
        return connection.in_(gone)

    return expiry


def _held_threads(people: Sequence[uuid.UUID]) -> Select[Any]:
    """The tickets a hold on `people` keeps: those they requested, and those they commented on."""
    commented = select(ZendeskComment.ticket_id).where(ZendeskComment.subject_id.in_(people))
    return select(ZendeskTicket.id).where(or_(ZendeskTicket.subject_id.in_(people), ZendeskTicket.id.in_(commented)))


def _held_comments(people: Sequence[uuid.UUID]) -> ColumnElement[bool]:
    return or_(ZendeskComment.subject_id.in_(people), ZendeskComment.ticket_id.in_(_held_threads(people)))


def _held_tickets(people: Sequence[uuid.UUID]) -> ColumnElement[bool]:
    return ZendeskTicket.id.in_(_held_threads(people))


def _held_users(people: Sequence[uuid.UUID]) -> ColumnElement[bool]:
    threads = _held_threads(people)
    requesters = select(ZendeskTicket.subject_id).where(ZendeskTicket.id.in_(threads))
    commenters = select(ZendeskComment.subject_id).where(ZendeskComment.ticket_id.in_(threads))
    return or_(
        ZendeskUser.subject_id.in_(people),
        ZendeskUser.subject_id.in_(requesters),
        ZendeskUser.subject_id.in_(commenters),
    )


def _erase_people(batch: SweepBatch) -> int:
    """Keys first, in one key-store statement, then every row of these people in every table."""
    report = erase_subjects(
        batch.session,
        batch.runtime.keyring,
        subject_ids=batch_keys(batch, ZendeskUser.subject_id),
        actor=batch.actor,
        purpose=Purpose.LEGAL_COMPLIANCE.value,
        reason="retention",
    )
    return report.rows_deleted.get(ZendeskUser.__tablename__, 0)


register_sweeper(
    Sweeper(
        name="zendesk.comments",
        category=ZENDESK_DATA,
        table=ZendeskComment.__table__,  # type: ignore[arg-type]
        key=ZendeskComment.id,
        triggers={Trigger.INTEGRATION_DISCONNECTED: _disconnected_before(ZendeskComment.connection_id)},
        delete=delete_rows,
        tenant_column=ZendeskComment.tenant_id,
        subject_column=ZendeskComment.subject_id,
        subject_hold=_held_comments,
        describe="ticket comments of disconnected Zendesk accounts",
    )
)

register_sweeper(
    Sweeper(
        name="zendesk.tickets",
        category=ZENDESK_DATA,
        table=ZendeskTicket.__table__,  # type: ignore[arg-type]
        key=ZendeskTicket.id,
        triggers={Trigger.INTEGRATION_DISCONNECTED: _disconnected_before(ZendeskTicket.connection_id)},
        # a ticket's own comments were swept before it (names sort 'comments' first) unless a
        # hold keeps the thread, and then it keeps the ticket too
        delete=delete_rows,
        tenant_column=ZendeskTicket.tenant_id,
        subject_column=ZendeskTicket.subject_id,
        subject_hold=_held_tickets,
        describe="tickets of disconnected Zendesk accounts, deleted-ticket tombstones included",
    )
)

register_sweeper(
    Sweeper(
        name="zendesk.organizations",
        category=ZENDESK_DATA,
        table=ZendeskOrganization.__table__,  # type: ignore[arg-type]
        key=ZendeskOrganization.id,
        triggers={Trigger.INTEGRATION_DISCONNECTED: _disconnected_before(ZendeskOrganization.connection_id)},
        delete=delete_rows,
        tenant_column=ZendeskOrganization.tenant_id,
        describe="customer organisations of disconnected Zendesk accounts",
    )
)

register_sweeper(
    Sweeper(
        name="zendesk.webhook_events",
        category=ZENDESK_DATA,
        table=ZendeskWebhookEvent.__table__,  # type: ignore[arg-type]
        key=ZendeskWebhookEvent.id,
        triggers={Trigger.INTEGRATION_DISCONNECTED: _disconnected_before(ZendeskWebhookEvent.connection_id)},
        delete=delete_rows,
        tenant_column=ZendeskWebhookEvent.tenant_id,
        describe="webhook deliveries of disconnected Zendesk accounts, with any payload still unread",
    )
)

# the payload alone goes: the row (event id, type, when) still refuses a late redelivery of it
_drop_payload = set_values(payload_ct=None, status="expired", outcome=EXPIRED_OUTCOME)

register_sweeper(
    Sweeper(
        name="zendesk.webhook_payloads",
        category=ZENDESK_DATA,
        exception=UNPROCESSED_WEBHOOKS,
        table=ZendeskWebhookEvent.__table__,  # type: ignore[arg-type]
        key=ZendeskWebhookEvent.id,
        triggers={Trigger.COLLECTED: older_than(ZendeskWebhookEvent.received_at)},
        pending=ZendeskWebhookEvent.payload_ct.is_not(None),
        delete=_drop_payload,
        anonymise=_drop_payload,
        tenant_column=ZendeskWebhookEvent.tenant_id,
        describe="raw webhook payloads never processed: the sealed payload is dropped, the event's id stays",
    )
)

register_sweeper(
    Sweeper(
        name="zendesk.people",
        category=CUSTOMER_CONTACT,
        table=ZendeskUser.__table__,  # type: ignore[arg-type]
        key=ZendeskUser.id,
        triggers={Trigger.INTEGRATION_DISCONNECTED: _disconnected_before(ZendeskUser.connection_id)},
        delete=_erase_people,
        tenant_column=ZendeskUser.tenant_id,
        subject_column=ZendeskUser.subject_id,
        subject_hold=_held_users,
        describe="people of disconnected Zendesk accounts: each one's key destroyed, their rows deleted everywhere",
    )
)
