"""The Mailer contract, over SMTP to a real server on loopback and over memory."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage

import pytest

from omniwise.config import ConfigError, Settings, load_settings
from omniwise.messaging.transport import Mailer, MailerError, MemoryMailer, SmtpMailer, mailer_for
from tests.cli.helpers import free_port
from tests.messaging.conftest import SmtpServer

Received = Callable[[], list[EmailMessage]]


@pytest.fixture(params=["smtp", "memory"])
def mailbox(request: pytest.FixtureRequest) -> tuple[Mailer, Received]:
    if request.param == "smtp":
        server: SmtpServer = request.getfixturevalue("smtp_server")
        return SmtpMailer(server.url, timeout=5), lambda: [message for _, message in server.inbox.received]
    memory = MemoryMailer()
    return memory, lambda: memory.sent


def _message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Omni Wise <no-reply@omniwise.com>"
    message["To"] = "Ada Lovelace <ada@example.org>"
    message["Subject"] = "Omni Messenger now speaks WhatsApp"
    message["Message-ID"] = "<7d0f1c1e-1111-4a8e-9f0e-000000000001@omniwise.com>"
    message["List-Unsubscribe"] = "<https://omniwise.com/messaging/unsubscribe/abc>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content("Hello Ada,\n\nAnswer WhatsApp conversations from Zendesk.\n")
    message.add_alternative("<p>Hello Ada,</p>", subtype="html")
    return message


def test_a_message_arrives_as_it_was_sent(mailbox: tuple[Mailer, Received]) -> None:
    mailer, received = mailbox
    mailer.send(_message())
    [arrived] = received()
    for header in ("From", "To", "Subject", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post"):
        assert arrived[header] == _message()[header], header
    text = arrived.get_body(preferencelist=("plain",))
    html = arrived.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    # SMTP carries lines ending in CRLF: compare the text, not the line ends
    assert text.get_content().replace("\r\n", "\n") == "Hello Ada,\n\nAnswer WhatsApp conversations from Zendesk.\n"
    assert html.get_content().strip() == "<p>Hello Ada,</p>"


def test_failures_are_reported_by_code_never_by_the_servers_words(smtp_server: SmtpServer) -> None:
    smtp_server.inbox.refuse_recipients = True
    with pytest.raises(MailerError) as refused:
        SmtpMailer(smtp_server.url, timeout=5).send(_message())
    assert refused.value.code == "smtp_recipient_refused:550"
    assert refused.value.transient is False
    assert "ada@example.org" not in str(refused.value)

    with pytest.raises(MailerError) as unreachable:
        SmtpMailer(f"smtp://127.0.0.1:{free_port()}", timeout=5).send(_message())
    assert unreachable.value.code == "smtp_unreachable:ConnectionRefusedError"
    assert unreachable.value.transient is True

    memory = MemoryMailer()
    memory.fail_with.append(MailerError("smtp_reply:451", transient=True))
    with pytest.raises(MailerError):
        memory.send(_message())
    memory.send(_message())
    assert len(memory.sent) == 1


def test_the_smtp_url_and_what_is_logged_of_it() -> None:
    mailer = SmtpMailer("smtp://mailer:s%40cret@mail.example.org:2525?starttls=true")
    assert (mailer.host, mailer.port, mailer.username, mailer.password, mailer.starttls) == (
        "mail.example.org",
        2525,
        "mailer",
        "s@cret",
        True,
    )
    assert mailer.describe() == "smtp://mail.example.org:2525"
    assert SmtpMailer("smtps://mail.example.org").port == 465
    assert mailer_for(Settings(environment="test")) is None
    configured = mailer_for(Settings(environment="test", smtp_url="smtp://127.0.0.1:2525"))
    assert configured is not None
    assert configured.port == 2525


def test_a_bad_smtp_setting_is_named() -> None:
    with pytest.raises(ConfigError, match=r"^OMNIWISE_SMTP_URL: must start with smtp:// or smtps://$"):
        load_settings(smtp_url="http://mail.example.org")
    with pytest.raises(ConfigError, match=r"^OMNIWISE_MAIL_FROM: "):
        load_settings(mail_from="nobody")
