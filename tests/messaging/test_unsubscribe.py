"""RFC 8058 one-click unsubscribe: the headers on promotional mail, and the link that works."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from omniwise.audit.models import AuditEvent
from omniwise.messaging.models import MessageStatus, Suppression
from omniwise.messaging.transport import MemoryMailer
from omniwise.runtime import Runtime
from tests.messaging.helpers import NEWS_PARAMS, NOTICE_PARAMS, deliver_now, make_contact, queue

ADDRESS = "alan.turing@example.org"
ONE_CLICK = {"content": b"List-Unsubscribe=One-Click", "headers": {"content-type": "application/x-www-form-urlencoded"}}


def _suppressions(runtime: Runtime) -> list[Suppression]:
    with runtime.transaction() as session:
        return list(session.scalars(select(Suppression)))


def test_promotional_mail_carries_one_click_unsubscribe_and_it_works(client: TestClient, runtime: Runtime) -> None:
    person = make_contact(runtime, email=ADDRESS, name="Alan Turing")
    mailer = MemoryMailer()
    notice = queue(runtime, person, "notice_changed", NOTICE_PARAMS)
    promotion = queue(runtime, person, "product_news", NEWS_PARAMS)
    assert deliver_now(runtime, notice, mailer) is MessageStatus.SENT
    assert deliver_now(runtime, promotion, mailer) is MessageStatus.SENT
    transactional, promotional = mailer.sent
    assert transactional["List-Unsubscribe"] is None
    assert transactional["List-Unsubscribe-Post"] is None
    assert promotional["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    match = re.fullmatch(
        r"<http://127\.0\.0\.1:8000(/messaging/unsubscribe/[A-Za-z0-9_-]+)>", promotional["List-Unsubscribe"]
    )
    assert match is not None, promotional["List-Unsubscribe"]
    path = match.group(1)
    text = promotional.get_body(preferencelist=("plain",))
    assert text is not None
    assert f"http://127.0.0.1:8000{path}" in text.get_content()

    # following the link shows a confirmation and changes nothing (mail scanners follow links)
    page = client.get(path)
    assert page.status_code == 200
    assert '<form method="post"' in page.text
    assert _suppressions(runtime) == []

    # the mail program's one-click POST unsubscribes, without a login
    done = client.post(path, **ONE_CLICK)  # type: ignore[arg-type]
    assert done.status_code == 200
    assert "will receive no more promotional messages" in done.text
    [entry] = _suppressions(runtime)
    assert (entry.reason, entry.source_message_id) == ("unsubscribed", promotion)
    assert client.post(path, **ONE_CLICK).status_code == 200  # type: ignore[arg-type]
    assert len(_suppressions(runtime)) == 1
    with runtime.transaction() as session:
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.name == "messaging:suppression:added")).all()
        assert event.details == {"reason": "unsubscribed", "message_id": str(promotion)}

    later = queue(runtime, person, "product_news", NEWS_PARAMS)
    assert deliver_now(runtime, later, mailer) is MessageStatus.SUPPRESSED
    assert len(mailer.sent) == 2


def test_a_forged_or_damaged_link_does_nothing(client: TestClient, runtime: Runtime) -> None:
    person = make_contact(runtime, email=ADDRESS)
    mailer = MemoryMailer()
    deliver_now(runtime, queue(runtime, person, "product_news", NEWS_PARAMS), mailer)
    token = mailer.sent[0]["List-Unsubscribe"].rsplit("/", 1)[1].rstrip(">")
    damaged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (damaged, "not-a-token", "A" * 86):
        assert client.get(f"/messaging/unsubscribe/{bad}").status_code == 404
        response = client.post(f"/messaging/unsubscribe/{bad}", **ONE_CLICK)  # type: ignore[arg-type]
        assert response.status_code == 404
        assert response.json()["detail"] == "this unsubscribe link is not valid"
    assert _suppressions(runtime) == []
