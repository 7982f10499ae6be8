"""Contacts in privacy requests: crypto-shredded on deletion, corrected as the contacts API validates."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from omniwise.contacts.models import Contact
from omniwise.errors import ValidationFailed
from omniwise.keys import KeyDestroyed
from omniwise.kit.crypto import blind_index
from omniwise.messaging.models import OutboxMessage
from omniwise.privacy.contract import RequestType, get_contribution
from omniwise.runtime import Runtime
from omniwise.subjects.models import DataSubject
from tests.messaging.helpers import NEWS_PARAMS, make_contact, queue
from tests.privacy.seed import step

ADDRESS = "grace@example.org"


def test_deletion_destroys_the_key_then_the_rows_and_the_blind_index(runtime: Runtime) -> None:
    person = make_contact(runtime, email=ADDRESS)
    queue(runtime, person, "product_news", NEWS_PARAMS)
    contacts = get_contribution("contacts")
    with runtime.transaction() as session:
        sealed = session.scalars(select(Contact.email_ct).where(Contact.id == person.contact_id)).one()
    with step(runtime, RequestType.DELETION) as ctx:
        holdings = contacts.locate(ctx, email=ADDRESS, tenant_id=None)  # no business named: every one is searched
        assert [h.key for h in holdings] == [str(person.contact_id)]
        key_line, rows_line = contacts.erase(ctx, holdings)
    assert (key_line.action, key_line.count) == ("deleted", 1)
    assert rows_line.count == 2  # the contact and the message queued for them

    with pytest.raises(KeyDestroyed):
        runtime.keyring.cipher(person.tenant_id, person.subject_id)
    bidx = blind_index(runtime.keyring.index_key(person.tenant_id), "email", ADDRESS)
    with runtime.transaction() as session:
        assert session.scalars(select(Contact).where(Contact.email_bidx == bidx)).all() == []
        assert session.scalars(select(OutboxMessage)).all() == []
        subject = session.get(DataSubject, person.subject_id)
        assert subject is not None
        assert subject.erased_at is not None
    # a copy of the ciphertext taken before (a backup) can no longer be read by anyone
    assert sealed
    with pytest.raises(KeyDestroyed):
        runtime.keyring.cipher(person.tenant_id, person.subject_id).open(
            sealed, table="contacts", column="email", row_id=person.contact_id
        )
    with step(runtime, RequestType.DELETION) as ctx:  # run again after a crash: nothing left, same lines
        assert [(o.action, o.count) for o in contacts.erase(ctx, holdings)] == [("deleted", 0), ("deleted", 0)]


def test_correction_is_validated_like_the_api_and_names_the_field(runtime: Runtime) -> None:
    person = make_contact(runtime, email=ADDRESS)
    contacts = get_contribution("contacts")
    with step(runtime, RequestType.CORRECTION, changes={"email": "not an address"}) as ctx:
        holdings = contacts.locate(ctx, email=ADDRESS, tenant_id=person.tenant_id)
        with pytest.raises(ValidationFailed) as refused:
            contacts.correct(ctx, holdings)
    assert str(refused.value).startswith("email:")
    assert "not an address" not in str(refused.value)

    changes = {"email": "grace.hopper@example.org", "phone": "+44 20 7946 0958", "job_title": ""}
    with step(runtime, RequestType.CORRECTION, changes=changes) as ctx:
        [line] = contacts.correct(ctx, holdings)
    assert (line.action, line.count) == ("corrected", 1)
    with step(runtime, RequestType.ACCESS) as ctx:
        assert contacts.locate(ctx, email=ADDRESS, tenant_id=person.tenant_id) == []
        [found] = contacts.locate(ctx, email="GRACE.HOPPER@example.org", tenant_id=person.tenant_id)
        [section] = contacts.export(ctx, [found])
        [item] = list(section.records)
    assert found.key == str(person.contact_id)
    assert (item["phone"], item["job_title"]) == ("+442079460958", None)
    assert uuid.UUID(item["contact_id"]) == person.contact_id
