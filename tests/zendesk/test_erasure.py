"""Forgetting a person in Zendesk, in Zendesk's order: tickets as instructed, then the user, then the deleted user."""

from __future__ import annotations

from sqlalchemy import select

from omniwise.audit.models import AuditEvent
from omniwise.disclosures.models import Disclosure
from omniwise.sandbox.store import Store
from omniwise.zendesk.erasure import forget_user
from omniwise.zendesk.models import ZendeskComment, ZendeskTicket, ZendeskUser
from omniwise.zendesk.records import REDACTION_MARK
from omniwise.zendesk.schemas import ForgetReport, TicketInstruction
from tests.factories import auth
from tests.zendesk.helpers import OPERATOR, Connected, sync_now, zendesk_session


def a_person_with_history(store: Store) -> int:
    customers = [u for u in store.users.values() if u.role == "end-user"]
    agent = next(u for u in store.users.values() if u.role == "agent")
    person, other = customers[0], customers[1]
    mine = store.add_ticket(requester=person, subject="Refund please", body="My card ends 4242")
    store.add_comment(mine, author_id=agent.id, body="Refund issued")
    store.add_comment(mine, author_id=person.id, body="Thanks, call me on 555-0100")
    theirs = store.add_ticket(requester=other, subject="Refund too", body="Same issue")
    store.add_comment(theirs, author_id=person.id, body="I had this, email me at me@example.org")
    return person.id


def forget(connected: Connected, person_id: int, instruction: TicketInstruction) -> ForgetReport:
    with zendesk_session(connected) as (session, connection, api, tenant):
        return forget_user(
            session,
            connected.runtime.keyring,
            api,
            actor=OPERATOR,
            tenant=tenant,
            connection=connection,
            zendesk_user_id=person_id,
            tickets=instruction,
        )


def order_of(log: list[str], *prefixes: str) -> list[int]:
    """The position of the last call matching each prefix, to compare what came first."""
    return [max(i for i, route in enumerate(log) if route.startswith(prefix)) for prefix in prefixes]


def test_forget_with_redaction_in_zendesk_order(connected: Connected) -> None:
    store = connected.sandbox.sandbox.store
    person_id = a_person_with_history(store)
    sync_now(connected)
    own_comments = [c for c in store.comments.values() if c.author_id == person_id]
    others_on_their_tickets = [
        c
        for c in store.comments.values()
        if c.author_id != person_id and store.tickets[c.ticket_id].requester_id == person_id
    ]

    report = forget(connected, person_id, TicketInstruction.REDACT)

    assert report.comments_redacted == len(own_comments)
    assert report.user_deleted
    assert report.user_deleted_permanently
    assert all(set(c.body) <= {REDACTION_MARK, " "} for c in own_comments)
    assert all(REDACTION_MARK not in c.body for c in others_on_their_tickets)  # only their own words
    assert person_id not in store.users
    assert person_id in store.purged_user_ids
    log = [r for r in connected.sandbox.sandbox.stats.log if not r.startswith("GET ")]
    redactions, delete, purge = order_of(
        log, "PUT /api/v2/comment_redactions/", "DELETE /api/v2/users/", "DELETE /api/v2/deleted_users/"
    )
    assert redactions < delete < purge
    with connected.runtime.transaction() as session:
        disclosures = session.scalars(select(Disclosure)).all()
        mirrored = session.scalars(select(ZendeskComment).where(ZendeskComment.author_zendesk_id == person_id)).all()
        user = session.scalars(select(ZendeskUser).where(ZendeskUser.zendesk_id == person_id)).one()
        audit = session.scalars(select(AuditEvent).where(AuditEvent.name == "zendesk:user:forgotten")).one()
    assert [(d.recipient_id, d.categories, d.purpose) for d in disclosures] == [
        ("zendesk", ["zendesk_integration_data"], "privacy_requests")
    ]
    assert mirrored
    assert all(c.redacted for c in mirrored)
    assert not user.active
    assert user.deleted_at is not None
    assert audit.details["comments_redacted"] == len(own_comments)

    again = forget(connected, person_id, TicketInstruction.REDACT)  # an interrupted erasure is run again
    assert again.comments_redacted == 0
    assert again.user_deleted_permanently


def test_forget_with_permanent_deletion_of_their_tickets(connected: Connected) -> None:
    store = connected.sandbox.sandbox.store
    person_id = a_person_with_history(store)
    sync_now(connected)
    requested = sorted(t.id for t in store.tickets.values() if t.requester_id == person_id)

    report = forget(connected, person_id, TicketInstruction.DELETE_PERMANENTLY)

    assert report.tickets_deleted == report.tickets_deleted_permanently == len(requested)
    assert report.comments_redacted == 1  # their comment on someone else's ticket
    assert set(requested) <= store.purged_ticket_ids
    assert person_id in store.purged_user_ids
    log = [r for r in connected.sandbox.sandbox.stats.log if not r.startswith("GET ")]
    soft, hard, user, deleted_user = order_of(
        log,
        "DELETE /api/v2/tickets/",
        "DELETE /api/v2/deleted_tickets/",
        "DELETE /api/v2/users/",
        "DELETE /api/v2/deleted_users/",
    )
    assert soft < hard < user < deleted_user
    for ticket_id in requested:
        read = connected.client.get(f"{connected.base}/tickets/{ticket_id}", headers=auth(connected.admin))
        assert read.status_code == 404
    with connected.runtime.transaction() as session:
        tombstones = session.scalars(select(ZendeskTicket).where(ZendeskTicket.zendesk_id.in_(requested))).all()
        assert all(t.purged_at is not None and t.subject_ct is None for t in tombstones)
        left = session.scalars(select(ZendeskComment).where(ZendeskComment.ticket_id.in_([t.id for t in tombstones])))
        assert left.all() == []


def test_forget_with_soft_deletion_keeps_tickets_restorable_in_zendesk(connected: Connected) -> None:
    store = connected.sandbox.sandbox.store
    person_id = a_person_with_history(store)
    sync_now(connected)
    requested = [t for t in store.tickets.values() if t.requester_id == person_id]

    report = forget(connected, person_id, TicketInstruction.DELETE)

    assert report.tickets_deleted == len(requested)
    assert report.tickets_deleted_permanently == 0
    assert all(t.deleted_at is not None and t.id in store.tickets for t in requested)
