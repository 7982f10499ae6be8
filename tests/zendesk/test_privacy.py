"""A customer erased through the privacy contribution, with each instruction: gone from the sandbox and the mirror."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from omniwise.errors import Conflict
from omniwise.keys import KeyDestroyed
from omniwise.privacy.contract import RequestType, ZendeskInstruction, get_contribution
from omniwise.zendesk.models import ZendeskComment, ZendeskTicket, ZendeskUser
from omniwise.zendesk.records import REDACTION_MARK
from tests.privacy.seed import step
from tests.zendesk.helpers import Connected, sync_now
from tests.zendesk.test_erasure import a_person_with_history


@pytest.mark.parametrize("instruction", list(ZendeskInstruction))
def test_a_customer_is_erased_in_zendesk_and_in_the_mirror(
    connected: Connected, instruction: ZendeskInstruction
) -> None:
    store = connected.sandbox.sandbox.store
    person_id = a_person_with_history(store)
    sync_now(connected)
    email = store.users[person_id].email
    assert email is not None
    requested = [t.id for t in store.tickets.values() if t.requester_id == person_id]
    own_comments = [c for c in store.comments.values() if c.author_id == person_id]
    zendesk = get_contribution("zendesk")
    runtime = connected.runtime

    with step(runtime, RequestType.DELETION) as ctx:
        [holding] = zendesk.locate(ctx, email=email, tenant_id=None)
        assert holding.role == "processor"
        with pytest.raises(Conflict):  # no instruction from the business, nothing is done
            zendesk.erase(ctx, [holding])
    for _ in range(2):  # the second run finds Zendesk done (404s) and the mirror empty
        with step(runtime, RequestType.DELETION, instruction=instruction) as ctx:
            outcomes = zendesk.erase(ctx, [holding])
        assert any(o.action == "deleted" and o.where.startswith("Zendesk") for o in outcomes)

    assert person_id not in store.users
    assert person_id in store.purged_user_ids
    if instruction is ZendeskInstruction.REDACT:
        assert all(set(c.body) <= {REDACTION_MARK, " "} for c in own_comments)
        assert all(t in store.tickets for t in requested)
    elif instruction is ZendeskInstruction.DELETE:
        assert all(store.tickets[t].deleted_at is not None for t in requested)
    else:
        assert set(requested) <= store.purged_ticket_ids
    with runtime.transaction() as session:
        assert session.scalars(select(ZendeskUser).where(ZendeskUser.zendesk_id == person_id)).all() == []
        assert session.scalars(select(ZendeskComment).where(ZendeskComment.author_zendesk_id == person_id)).all() == []
        assert session.scalars(select(ZendeskTicket).where(ZendeskTicket.subject_id == holding.subject_id)).all() == []
    assert holding.subject_id is not None
    assert holding.tenant_id is not None
    with pytest.raises(KeyDestroyed):
        runtime.keyring.cipher(holding.tenant_id, holding.subject_id)


def test_a_correction_reaches_zendesk_through_the_gate(connected: Connected) -> None:
    store = connected.sandbox.sandbox.store
    person_id = a_person_with_history(store)
    sync_now(connected)
    email = store.users[person_id].email
    assert email is not None
    zendesk = get_contribution("zendesk")
    with step(connected.runtime, RequestType.CORRECTION, changes={"name": "Ada Byron"}) as ctx:
        holdings = zendesk.locate(ctx, email=email, tenant_id=None)
        outcomes = zendesk.correct(ctx, holdings)
    assert [(o.action, o.count) for o in outcomes] == [("corrected", 1), ("corrected", 1)]
    assert store.users[person_id].name == "Ada Byron"
    with step(connected.runtime, RequestType.ACCESS) as ctx:
        sections = {s.name: list(s.records) for s in zendesk.export(ctx, holdings)}
    assert [u["name"] for u in sections["zendesk_users"]] == ["Ada Byron"]
    assert any(not c["written_by_you"] and c["author_zendesk_id"] is None for c in sections["zendesk_comments"])
