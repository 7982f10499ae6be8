"""The outbox: messages queued with ids only, sent over SMTP by the worker through the disclosure gate, retried."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from omniwise.audit.models import AuditEvent
from omniwise.auth.actor import SYSTEM
from omniwise.cli.main import app
from omniwise.contacts import service as contacts
from omniwise.disclosures.models import Disclosure
from omniwise.errors import ValidationFailed
from omniwise.kit.clock import utcnow
from omniwise.messaging.models import MessageStatus, OutboxMessage
from omniwise.messaging.service import requeue_queued
from omniwise.messaging.transport import MailerError, MemoryMailer, SmtpMailer
from omniwise.policy.model import Policy
from omniwise.runtime import Runtime, build_runtime
from omniwise.worker import Job
from omniwise.worker.process import BackgroundJobs
from tests.cli.env import cli_env  # noqa: F401  (the fixture)
from tests.cli.helpers import free_port
from tests.messaging.conftest import SmtpServer
from tests.messaging.helpers import NEWS_PARAMS, NOTICE_PARAMS, deliver_now, load, make_contact, queue, tenant_of

ADDRESS = "ada.lovelace@example.org"


def _all(runtime: Runtime, model: Any) -> list[Any]:
    with runtime.transaction() as session:
        return list(session.scalars(select(model)))


def _events(runtime: Runtime, prefix: str) -> list[AuditEvent]:
    with runtime.transaction() as session:
        statement = select(AuditEvent).where(AuditEvent.name.like(f"{prefix}%")).order_by(AuditEvent.seq)
        return list(session.scalars(statement))


def test_an_id_is_not_taken_for_a_phone_number(runtime: Runtime) -> None:
    """One random id in thirty has nine digits in a row in its last group; its link must still go out."""
    person = make_contact(runtime, email=ADDRESS)
    queue(runtime, person, "product_news", NEWS_PARAMS | {"headline": "Request 3f0c9a52-1b2c-4d5e-8f90-492830183746"})
    with pytest.raises(ValidationFailed, match=r"params\.headline: looks like an address"):
        queue(runtime, person, "product_news", NEWS_PARAMS | {"headline": "Call 0049283018374"})


def test_queueing_checks_the_template_and_keeps_personal_data_out(runtime: Runtime) -> None:
    person = make_contact(runtime, email=ADDRESS)
    with pytest.raises(ValidationFailed, match="template: 'welcome' is not a message template"):
        queue(runtime, person, "welcome", {})
    with pytest.raises(ValidationFailed, match=r"params\.headline: looks like an address"):
        queue(runtime, person, "product_news", NEWS_PARAMS | {"headline": f"Hello {ADDRESS}"})
    with pytest.raises(ValidationFailed, match=r"params\.link: must be an http or https link"):
        queue(runtime, person, "product_news", NEWS_PARAMS | {"link": "javascript:alert(1)"})
    with pytest.raises(ValidationFailed, match=r"params\.changes: template 'notice_changed' needs it"):
        queue(runtime, person, "notice_changed", {"version": 3, "previous_version": 2})
    first = queue(runtime, person, "notice_changed", NOTICE_PARAMS, key="notice:3:x")
    assert queue(runtime, person, "notice_changed", NOTICE_PARAMS, key="notice:3:x") == first
    [message] = _all(runtime, OutboxMessage)
    assert (message.kind, message.purpose, message.category, message.status) == (
        "transactional",
        "legal_compliance",
        "contact_information",
        "queued",
    )
    assert ADDRESS not in repr(message.params)
    [queued] = _events(runtime, "messaging:messages:queued")
    assert queued.details == {"kind": "transactional", "count": 1}


@pytest.fixture
def mailing_runtime(settings: Any, smtp_server: SmtpServer) -> Iterator[Runtime]:
    """The platform as configured with OMNIWISE_SMTP_URL pointing at the loopback server."""
    runtime = build_runtime(settings.model_copy(update={"smtp_url": smtp_server.url}))
    yield runtime
    runtime.dispose()


def _wait_for(runtime: Runtime, message_id: uuid.UUID, status: MessageStatus, timeout: float = 15.0) -> OutboxMessage:
    deadline = time.monotonic() + timeout
    while True:
        message = load(runtime, message_id)
        if message.status == status.value:
            return message
        assert time.monotonic() < deadline, f"message {message_id} is {message.status} after {timeout}s"
        time.sleep(0.05)


def test_a_message_goes_out_through_the_worker_and_smtp(mailing_runtime: Runtime, smtp_server: SmtpServer) -> None:
    runtime = mailing_runtime
    person = make_contact(runtime, email=ADDRESS)
    jobs = BackgroundJobs(runtime, consume=True, reconcile=False)
    jobs.start()
    try:
        message_id = queue(runtime, person, "notice_changed", NOTICE_PARAMS)
        sent = _wait_for(runtime, message_id, MessageStatus.SENT)
    finally:
        jobs.stop()
    assert sent.attempts == 1
    assert sent.sent_at is not None

    [(recipients, mail)] = smtp_server.inbox.received
    assert recipients == [ADDRESS]
    assert mail["To"] == f"Ada Lovelace <{ADDRESS}>"
    assert mail["From"] == "Omni Wise <no-reply@omniwise.com>"
    assert mail["Subject"] == "We have updated our privacy notice (version 3)"
    assert mail["Message-ID"] == f"<{message_id}@omniwise.com>"
    assert mail["List-Unsubscribe"] is None  # transactional mail has no unsubscribe
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None
    body = text.get_content()
    assert "Hello Ada Lovelace," in body
    assert "- Information kept longer" in body
    assert "http://127.0.0.1:8000/privacy/notice/diff?from=2&to=3" in body

    [disclosure] = _all(runtime, Disclosure)
    assert (disclosure.recipient_id, disclosure.categories, disclosure.purpose) == (
        "email_provider",
        ["contact_information"],
        "legal_compliance",
    )
    assert (disclosure.transfer_mechanism, disclosure.reference) == ("scc", f"message:{message_id}")
    assert disclosure.subject_id == person.subject_id

    [audit] = _events(runtime, "messaging:message:sent")
    assert (audit.object_id, audit.subject_id, audit.tenant_id) == (
        str(message_id),
        person.subject_id,
        person.tenant_id,
    )
    assert audit.details["recipient_id"] == str(person.contact_id)
    for event in _events(runtime, ""):
        assert ADDRESS not in repr(event.details)
        assert "Ada" not in repr(event.details)


def test_without_smtp_messages_stay_queued(runtime: Runtime, caplog: pytest.LogCaptureFixture) -> None:
    assert runtime.settings.smtp_url is None
    person = make_contact(runtime, email=ADDRESS)
    message_id = queue(runtime, person, "notice_changed", NOTICE_PARAMS)
    with caplog.at_level(logging.WARNING, logger="omniwise.messaging"):
        assert deliver_now(runtime, message_id, None) is MessageStatus.QUEUED
    assert f"message {message_id} stays queued: no SMTP server is configured (set OMNIWISE_SMTP_URL" in caplog.text
    assert ADDRESS not in caplog.text
    message = load(runtime, message_id)
    assert (message.status, message.attempts) == ("queued", 0)


@pytest.mark.usefixtures("cli_env")
def test_send_queued_hands_queued_messages_to_the_worker_again(runtime: Runtime) -> None:
    person = make_contact(runtime, email=ADDRESS)
    message_id = queue(runtime, person, "notice_changed", NOTICE_PARAMS)
    result = CliRunner().invoke(app, ["messaging", "send-queued"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "1 queued message(s) handed to the worker"
    with runtime.transaction() as session:
        sends = session.scalars(select(Job).where(Job.name == "messaging.send")).all()
        assert [job.args["message_id"] for job in sends] == [str(message_id)] * 2
        assert requeue_queued(session) == 1


def test_a_failed_attempt_is_retried_and_then_sent(runtime: Runtime, smtp_server: SmtpServer) -> None:
    person = make_contact(runtime, email=ADDRESS)
    message_id = queue(runtime, person, "notice_changed", NOTICE_PARAMS)
    down = SmtpMailer(f"smtp://127.0.0.1:{free_port()}", timeout=5)
    assert deliver_now(runtime, message_id, down) is MessageStatus.QUEUED
    message = load(runtime, message_id)
    assert (message.status, message.attempts, message.last_error) == (
        "queued",
        1,
        "smtp_unreachable:ConnectionRefusedError",
    )
    assert _all(runtime, Disclosure) == []  # nothing left, so nothing was disclosed
    with runtime.transaction() as session:
        retry = session.scalars(select(Job).where(Job.name == "messaging.send").order_by(Job.created_at)).all()[-1]
        assert retry.run_after > utcnow()

    assert deliver_now(runtime, message_id, SmtpMailer(smtp_server.url, timeout=5)) is MessageStatus.SENT
    assert load(runtime, message_id).attempts == 2
    assert len(smtp_server.inbox.received) == 1
    assert len(_all(runtime, Disclosure)) == 1
    # a duplicate job for a message already sent does nothing
    assert deliver_now(runtime, message_id, SmtpMailer(smtp_server.url, timeout=5)) is None
    assert len(smtp_server.inbox.received) == 1


def test_a_permanent_failure_is_final(runtime: Runtime) -> None:
    person = make_contact(runtime, email=ADDRESS)
    message_id = queue(runtime, person, "notice_changed", NOTICE_PARAMS)
    mailer = MemoryMailer()
    mailer.fail_with.append(MailerError("smtp_recipient_refused:550", transient=False))
    assert deliver_now(runtime, message_id, mailer) is MessageStatus.FAILED
    assert load(runtime, message_id).last_error == "smtp_recipient_refused:550"
    [failed] = _events(runtime, "messaging:message:failed")
    assert failed.details["error"] == "smtp_recipient_refused:550"


def test_erasing_the_person_drops_their_queued_mail(runtime: Runtime) -> None:
    person = make_contact(runtime, email=ADDRESS)
    message_id = queue(runtime, person, "notice_changed", NOTICE_PARAMS)
    tenant = tenant_of(runtime, person)
    with runtime.transaction() as session:
        contacts.delete_contact(session, runtime.keyring, actor=SYSTEM, tenant=tenant, contact_id=person.contact_id)
    assert _all(runtime, OutboxMessage) == []
    assert deliver_now(runtime, message_id, MemoryMailer()) is None


def test_the_disclosure_gate_can_stop_a_message(settings: Any) -> None:
    shipped = build_runtime(settings)
    data = shipped.policy.model_dump(mode="json", by_alias=True)
    shipped.dispose()
    for mechanism in data["transfers"]["mechanisms"]:
        mechanism["recipients"] = [r for r in mechanism["recipients"] if r != "email_provider"]
    runtime = build_runtime(settings, policy=Policy.model_validate(data))
    try:
        person = make_contact(runtime, email=ADDRESS, region="tr")
        message_id = queue(runtime, person, "notice_changed", NOTICE_PARAMS)
        mailer = MemoryMailer()
        assert deliver_now(runtime, message_id, mailer) is MessageStatus.REFUSED
        assert mailer.sent == []
        assert load(runtime, message_id).last_error == "disclosure_refused:no_transfer_mechanism"
        [refusal] = _events(runtime, "disclosures:disclosure:refused")
        assert refusal.details["reason"] == "no_transfer_mechanism"
    finally:
        runtime.dispose()
