"""A Zendesk user as a data subject: found by email, exported with others masked, corrected in Zendesk, erased here."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from omniwise.audit.models import AuditEvent
from omniwise.disclosures.models import Disclosure
from omniwise.policy.enforcement import PurposeRefused
from omniwise.policy.purposes import Purpose
from omniwise.sandbox.store import Store
from omniwise.subjects.service import erase_subject
from omniwise.zendesk.models import ZendeskComment, ZendeskTicket, ZendeskUser
from omniwise.zendesk.people import correct_user, export_user, find_users_by_email
from omniwise.zendesk.records import user_read
from omniwise.zendesk.schemas import UserCorrection
from tests.zendesk.helpers import OPERATOR, Connected, sync_now, zendesk_session


def conversation(store: Store) -> tuple[int, int, int]:
    """A customer's ticket with an agent's reply and an internal note, and their comment on someone else's ticket."""
    customers = [u for u in store.users.values() if u.role == "end-user"]
    agent = next(u for u in store.users.values() if u.role == "agent")
    person, other = customers[0], customers[1]
    own = store.add_ticket(requester=person, subject="My order is late", body="Order 1234 has not arrived")
    store.add_comment(own, author_id=agent.id, body="We are looking into it", public=True)
    store.add_comment(own, author_id=agent.id, body="Internal: courier lost it", public=False)
    theirs = store.add_ticket(requester=other, subject="Late delivery too", body="Mine is late as well")
    store.add_comment(theirs, author_id=person.id, body="Same here, any update?")
    return person.id, own.id, theirs.id


def test_export_holds_the_person_and_masks_everyone_else(connected: Connected) -> None:
    store = connected.sandbox.sandbox.store
    person_id, own_id, theirs_id = conversation(store)
    sync_now(connected)
    person = store.users[person_id]
    with zendesk_session(connected) as (session, connection, _api, tenant):
        found = find_users_by_email(
            session, connected.runtime.keyring, tenant_id=tenant.id, email=(person.email or "").upper()
        )
        assert [u.zendesk_id for u in found] == [person_id]
        export = export_user(
            session,
            connected.runtime.keyring,
            actor=OPERATOR,
            tenant=tenant,
            connection_id=connection.id,
            zendesk_user_id=person_id,
        )
    assert export.user.email == person.email
    assert export.user.name == person.name
    requested = {t.id for t in store.tickets.values() if t.requester_id == person_id}
    assert {t.zendesk_id for t in export.tickets} == requested
    own = next(t for t in export.tickets if t.zendesk_id == own_id)
    assert own.subject == "My order is late"
    assert [(c.author_zendesk_id, c.body) for c in own.comments] == [
        (person_id, "Order 1234 has not arrived"),
        (None, "We are looking into it"),  # what the person was sent, by someone unnamed
    ]
    assert export.withheld_comments >= 1  # the internal note
    assert all("Internal" not in (c.body or "") for t in export.tickets for c in t.comments)
    assert [(c.ticket_zendesk_id, c.body) for c in export.comments_on_other_tickets] == [
        (theirs_id, "Same here, any update?")
    ]
    assert theirs_id not in {t.zendesk_id for t in export.tickets}
    with connected.runtime.transaction() as session:
        exported = session.scalars(select(AuditEvent).where(AuditEvent.name == "zendesk:user:exported")).one()
    assert exported.purpose == "privacy_requests"
    assert person.email not in str(exported.details)


def test_a_purpose_the_policy_does_not_allow_is_refused(connected: Connected) -> None:
    sync_now(connected)
    person_id = next(u.id for u in connected.sandbox.sandbox.store.users.values() if u.role == "end-user")
    with pytest.raises(PurposeRefused), zendesk_session(connected) as (session, connection, api, tenant):
        export_user(
            session,
            connected.runtime.keyring,
            actor=OPERATOR,
            tenant=tenant,
            connection_id=connection.id,
            zendesk_user_id=person_id,
            purpose=Purpose.ANALYTICS,
        )
    before = connected.sandbox.sandbox.store.users[person_id].name
    with pytest.raises(PurposeRefused), zendesk_session(connected) as (session, connection, api, tenant):
        correct_user(
            session,
            connected.runtime.keyring,
            api,
            actor=OPERATOR,
            tenant=tenant,
            connection=connection,
            zendesk_user_id=person_id,
            data=UserCorrection(name="Someone Else"),
            purpose=Purpose.ANALYTICS,
        )
    assert connected.sandbox.sandbox.store.users[person_id].name == before  # nothing was sent
    with connected.runtime.transaction() as session:
        refusals = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.name == "policy:purpose:refused")
        )
    assert refusals == 2


def test_a_correction_goes_to_zendesk_through_the_disclosure_gate(connected: Connected) -> None:
    sync_now(connected)
    store = connected.sandbox.sandbox.store
    person_id = next(u.id for u in store.users.values() if u.role == "end-user")
    with zendesk_session(connected) as (session, connection, api, tenant):
        corrected = correct_user(
            session,
            connected.runtime.keyring,
            api,
            actor=OPERATOR,
            tenant=tenant,
            connection=connection,
            zendesk_user_id=person_id,
            data=UserCorrection(name="Ada King", email="ada.king@example.org"),
        )
    assert corrected.name == "Ada King"
    assert store.users[person_id].name == "Ada King"
    assert store.users[person_id].email == "ada.king@example.org"
    assert any(route.startswith(f"PUT /api/v2/users/{person_id}") for route in store_log(connected))
    with connected.runtime.transaction() as session:
        disclosure = session.scalars(select(Disclosure)).one()
        row = session.scalars(select(ZendeskUser).where(ZendeskUser.zendesk_id == person_id)).one()
        assert user_read(connected.runtime.keyring, row).email == "ada.king@example.org"
        audit = session.scalars(select(AuditEvent).where(AuditEvent.name == "zendesk:user:corrected")).one()
    assert disclosure.recipient_id == "zendesk"
    assert disclosure.categories == ["customer_contact_information"]
    assert disclosure.purpose == "privacy_requests"
    assert disclosure.subject_id == row.subject_id
    assert audit.details["fields"] == ["email", "name"]
    assert "Ada" not in str(audit.details)


def store_log(connected: Connected) -> list[str]:
    return list(connected.sandbox.sandbox.stats.log)


def test_erasing_the_person_here_reaches_every_row_of_theirs(connected: Connected) -> None:
    store = connected.sandbox.sandbox.store
    person_id, _own_id, theirs_id = conversation(store)
    sync_now(connected)
    with connected.runtime.transaction() as session:
        person = session.scalars(select(ZendeskUser).where(ZendeskUser.zendesk_id == person_id)).one()
        tickets_before = session.scalar(select(func.count()).select_from(ZendeskTicket))
        comments_before = session.scalar(select(func.count()).select_from(ZendeskComment))
        own_thread = session.scalar(
            select(func.count())
            .select_from(ZendeskComment)
            .join(ZendeskTicket, ZendeskComment.ticket_id == ZendeskTicket.id)
            .where(ZendeskTicket.requester_zendesk_id == person_id)
        )
        theirs_elsewhere = session.scalar(
            select(func.count())
            .select_from(ZendeskComment)
            .join(ZendeskTicket, ZendeskComment.ticket_id == ZendeskTicket.id)
            .where(ZendeskComment.author_zendesk_id == person_id, ZendeskTicket.requester_zendesk_id != person_id)
        )
        requested = session.scalar(
            select(func.count()).select_from(ZendeskTicket).where(ZendeskTicket.requester_zendesk_id == person_id)
        )
        report = erase_subject(
            session,
            connected.runtime.keyring,
            tenant_id=uuid.UUID(connected.tenant_id),
            subject_id=person.subject_id,
            actor=OPERATOR,
            purpose="privacy_requests",
        )
    assert report.key_destroyed
    with connected.runtime.transaction() as session:
        assert session.scalars(select(ZendeskUser).where(ZendeskUser.zendesk_id == person_id)).all() == []
        assert session.scalar(select(func.count()).select_from(ZendeskTicket)) == tickets_before - requested
        assert session.scalar(select(func.count()).select_from(ZendeskComment)) == (
            comments_before - own_thread - theirs_elsewhere
        )
        other_ticket = session.scalars(select(ZendeskTicket).where(ZendeskTicket.zendesk_id == theirs_id)).one()
        assert other_ticket.subject_ct is not None  # someone else's ticket stays
