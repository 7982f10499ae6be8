"""Messaging in privacy requests: an opt-out honoured over real SMTP; erasure deletes messages, keeps the opt-out."""

from __future__ import annotations

from sqlalchemy import func, select

from omniwise.messaging.models import MessageStatus, OutboxMessage, Suppression
from omniwise.messaging.transport import SmtpMailer
from omniwise.privacy.contract import RequestType, get_contribution
from omniwise.runtime import Runtime
from tests.messaging.conftest import SmtpServer
from tests.messaging.helpers import NEWS_PARAMS, NOTICE_PARAMS, deliver_now, make_contact, queue
from tests.privacy.seed import step

ADDRESS = "ada.lovelace@example.org"


def test_an_opt_out_stops_promotions_and_lets_transactional_mail_through(
    runtime: Runtime, smtp_server: SmtpServer
) -> None:
    person = make_contact(runtime, email=ADDRESS)
    messaging = get_contribution("messaging")
    for _ in range(2):  # a step run again after a crash changes nothing
        with step(runtime, RequestType.OPT_OUT) as ctx:
            holdings = messaging.locate(ctx, email=" Ada.Lovelace@EXAMPLE.org", tenant_id=person.tenant_id)
            [line] = messaging.opt_out(ctx, holdings, email=" Ada.Lovelace@EXAMPLE.org")
        assert (line.action, line.count) == ("suppressed", 1)
    mailer = SmtpMailer(smtp_server.url, timeout=10)

    promotion = queue(runtime, person, "product_news", NEWS_PARAMS)
    assert deliver_now(runtime, promotion, mailer) is MessageStatus.SUPPRESSED
    notice = queue(runtime, person, "notice_changed", NOTICE_PARAMS)
    assert deliver_now(runtime, notice, mailer) is MessageStatus.SENT

    assert [recipients for recipients, _ in smtp_server.inbox.received] == [[ADDRESS]]
    with runtime.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Suppression)) == 1


def test_erasure_deletes_the_messages_and_keeps_the_opt_out_with_its_reason(runtime: Runtime) -> None:
    person = make_contact(runtime, email=ADDRESS)
    queue(runtime, person, "product_news", NEWS_PARAMS)
    queue(runtime, person, "notice_changed", NOTICE_PARAMS)
    messaging = get_contribution("messaging")
    with step(runtime, RequestType.OPT_OUT) as ctx:
        messaging.opt_out(ctx, [], email=ADDRESS)
    with step(runtime, RequestType.ACCESS) as ctx:
        holdings = messaging.locate(ctx, email=ADDRESS, tenant_id=person.tenant_id)
        sections = {s.name: list(s.records) for s in messaging.export(ctx, holdings)}
    assert sorted(r["template"] for r in sections["messages"]) == ["notice_changed", "product_news"]
    assert len(sections["promotional_opt_outs"]) == 1

    with step(runtime, RequestType.DELETION) as ctx:
        deleted, kept = messaging.erase(ctx, holdings)
    assert (deleted.action, deleted.count) == ("deleted", 2)
    assert kept.action == "kept"
    assert kept.reason is not None
    assert "Article 21(3) GDPR" in kept.reason
    assert kept.until is not None
    with runtime.transaction() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert session.scalar(select(func.count()).select_from(Suppression)) == 1
