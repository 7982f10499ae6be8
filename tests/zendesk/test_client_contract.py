"""One contract, two implementations: the HTTP client against the sandbox server, and the in-memory Zendesk."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from omniwise.sandbox.emulator import Sandbox
from omniwise.sandbox.server import SandboxServer
from omniwise.sandbox.store import Store
from omniwise.zendesk.client import ApiTokenCredentials, Marketplace, ZendeskApi, ZendeskClient
from omniwise.zendesk.erasure import mark_for_redaction
from omniwise.zendesk.errors import ZendeskError, ZendeskNotFound
from omniwise.zendesk.memory import MemoryZendesk
from omniwise.zendesk.ratelimit import limits_for
from tests.cli.helpers import free_port
from tests.zendesk.helpers import sandbox_config


@dataclass
class Account:
    api: ZendeskApi
    store: Store


@pytest.fixture(params=["http", "memory"])
def account(request: pytest.FixtureRequest) -> Iterator[Account]:
    if request.param == "http":
        with SandboxServer(sandbox_config(), port=free_port()) as server:
            client = ZendeskClient(
                server.base_url,
                ApiTokenCredentials(server.config.email, server.config.api_token),
                marketplace=Marketplace("Omni Wise", "1", "2"),
                limits=limits_for(server.base_url, per_minute=5000),
            )
            with client:
                yield Account(client, server.sandbox.store)
        return
    sandbox = Sandbox(sandbox_config())
    try:
        yield Account(MemoryZendesk(sandbox.store), sandbox.store)
    finally:
        sandbox.close()


def test_ticket_export_pages_resume_and_pick_up_changes(account: Account) -> None:
    api, seen, cursor = account.api, [], None
    while True:
        page = api.export_tickets(start_time=0, cursor=cursor, per_page=7)
        assert len(page.items) <= 7
        seen.extend(t.id for t in page.items)
        cursor = page.after_cursor
        if page.end_of_stream:
            break
    assert len(seen) == len(set(seen)) == api.ticket_count() == len(account.store.tickets)

    quiet = api.export_tickets(cursor=cursor)
    assert quiet.items == []
    assert quiet.end_of_stream
    assert quiet.after_cursor == cursor

    store = account.store
    ticket = store.tickets[seen[3]]
    store.add_comment(ticket, author_id=ticket.requester_id, body="A later question")
    changed = api.export_tickets(cursor=cursor)
    assert [t.id for t in changed.items] == [ticket.id]
    assert changed.items[0].description  # the first comment's text


def test_user_export_and_organization_pages(account: Account) -> None:
    api = account.api
    users, cursor = [], None
    while True:
        page = api.export_users(start_time=0, cursor=cursor, per_page=5)
        users.extend(page.items)
        cursor = page.after_cursor
        if page.end_of_stream:
            break
    assert {u.id for u in users} == set(account.store.users)
    assert all(u.email for u in users)

    orgs, after, pages = [], None, 0
    while True:
        org_page = api.organizations_page(after=after, page_size=3)
        orgs.extend(org_page.items)
        pages += 1
        if not org_page.has_more:
            assert org_page.after_cursor is None
            break
        after = org_page.after_cursor
    assert {o.id for o in orgs} == set(account.store.organizations)
    assert pages == 2


def test_comments_redaction_and_user_update(account: Account) -> None:
    api, store = account.api, account.store
    ticket = next(t for t in store.tickets.values() if len(t.comments) > 1)
    comments = api.ticket_comments(ticket.id)
    assert [c.id for c in comments] == [c.id for c in ticket.comments]
    first = comments[0]
    assert first.html_body
    assert first.body

    with pytest.raises(ZendeskError):
        api.redact_comment(ticket_id=ticket.id, comment_id=first.id, html_body="<p><redact>something else</redact></p>")
    marked = mark_for_redaction(first.html_body)
    assert marked is not None
    redacted = api.redact_comment(ticket_id=ticket.id, comment_id=first.id, html_body=marked)
    assert redacted.body is not None
    assert set(redacted.body) == {"\u2587"}
    assert api.ticket(ticket.id).description == redacted.body
    assert mark_for_redaction(redacted.html_body or "") is None  # nothing left to redact
    with pytest.raises(ZendeskNotFound):
        api.redact_comment(ticket_id=ticket.id, comment_id=1, html_body=marked)

    user = api.update_user(ticket.requester_id, changes={"name": "Corrected Name"})
    assert user.name == "Corrected Name"
    assert api.user(ticket.requester_id).name == "Corrected Name"
    assert ticket.id in api.requested_ticket_ids(ticket.requester_id)


def test_deletions_follow_zendesk_rules(account: Account) -> None:
    api, store = account.api, account.store
    ticket = next(iter(store.tickets.values()))
    with pytest.raises(ZendeskNotFound):
        api.delete_ticket_permanently(ticket.id)  # only a deleted ticket can be deleted for good
    api.delete_ticket(ticket.id)
    with pytest.raises(ZendeskNotFound):
        api.ticket(ticket.id)
    api.delete_ticket_permanently(ticket.id)
    with pytest.raises(ZendeskNotFound):
        api.delete_ticket_permanently(ticket.id)
    assert ticket.id in store.purged_ticket_ids

    user_id = next(u.id for u in store.users.values() if u.role == "end-user")
    with pytest.raises(ZendeskNotFound):
        api.delete_user_permanently(user_id)  # only a deleted user can be deleted for good
    api.delete_user(user_id)
    assert api.user(user_id).active is False
    api.delete_user_permanently(user_id)
    with pytest.raises(ZendeskNotFound):
        api.user(user_id)
    with pytest.raises(ZendeskNotFound):
        api.delete_user(user_id)
    assert user_id not in {u.id for u in api.export_users(start_time=0).items}
