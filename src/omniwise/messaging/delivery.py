"""Sending one queued message: read the address, honour the suppression list, pass the disclosure gate, send, record.

Runs in the send job's transaction. Every outcome (sent, suppressed, refused, failed, or
queued again for a retry) is written to the message row in that transaction, so a send
is attempted once per claim and its result is never lost to a rollback.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, parseaddr

from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import SYSTEM
from omniwise.config import Settings
from omniwise.disclosures.service import Approval, DisclosureRefused, check_disclosure, record_disclosure
from omniwise.errors import NotFound
from omniwise.keys import KeyDestroyed
from omniwise.kit.clock import utcnow
from omniwise.messaging import repository
from omniwise.messaging.models import MessageKind, MessageStatus, OutboxMessage
from omniwise.messaging.recipients import Address, recipient_kind
from omniwise.messaging.suppression import address_hmac, is_suppressed
from omniwise.messaging.templates import get_template, render_message
from omniwise.messaging.transport import Mailer, MailerError
from omniwise.messaging.unsubscribe import make_token, unsubscribe_url
from omniwise.policy.binding import policy_for
from omniwise.policy.enforcement import PurposeRefused
from omniwise.policy.purposes import Purpose
from omniwise.runtime import Runtime
from omniwise.tenants.models import Tenant
from omniwise.worker import enqueue as enqueue_job

log = logging.getLogger("omniwise.messaging")

EMAIL_PROVIDER = "email_provider"
MAX_ATTEMPTS = 5
RETRY_SECONDS = 60.0
MAX_RETRY_SECONDS = 3600.0
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def deliver(
    session: Session, runtime: Runtime, *, message_id: uuid.UUID, mailer: Mailer | None
) -> MessageStatus | None:
    """Try to send one message; its status afterwards, or None if it was not queued (already handled)."""
    if mailer is None:
        log.warning(
            "message %s stays queued: no SMTP server is configured (set OMNIWISE_SMTP_URL, "
            "then run 'omniwise messaging send-queued')",
            message_id,
        )
        return MessageStatus.QUEUED
    message = repository.claim(session, message_id)
    if message is None:
        return None
    tenant = session.get(Tenant, message.tenant_id) if message.tenant_id is not None else None
    kind = recipient_kind(message.recipient_type)
    if tenant is None and not kind.platform:
        return _finish(session, message, MessageStatus.FAILED, "recipient_gone")
    try:
        address = kind.read(session, runtime.keyring, tenant, message.recipient_id, Purpose(message.purpose))
    except (NotFound, KeyDestroyed):
        return _finish(session, message, MessageStatus.FAILED, "recipient_gone")
    except PurposeRefused:
        return _finish(session, message, MessageStatus.REFUSED, "purpose_refused")
    address_key = address_hmac(runtime.keyring, address.email)
    promotional = message.kind == MessageKind.PROMOTIONAL.value
    if promotional and is_suppressed(session, address_key=address_key):
        return _finish(session, message, MessageStatus.SUPPRESSED, None)
    approval: Approval | None = None
    if tenant is not None:
        try:
            approval = check_disclosure(
                session,
                policy_for(session),
                tenant=tenant,
                recipient_id=EMAIL_PROVIDER,
                categories=[message.category],
                purpose=message.purpose,
                actor=SYSTEM,
                subject_id=message.subject_id,
            )
        except DisclosureRefused as exc:
            return _finish(session, message, MessageStatus.REFUSED, f"disclosure_refused:{exc.extra.get('reason')}")
    elif not _platform_send_allowed(session, message):
        # no business's data goes out: the platform's own message, which the policy must still let the provider carry
        return _finish(session, message, MessageStatus.REFUSED, "disclosure_refused:platform_message")
    token = make_token(runtime.keyring, message_id=message.id, address_key=address_key) if promotional else None
    email = compose(runtime.settings, message, address, unsubscribe_token=token)
    try:
        mailer.send(email)
    except MailerError as exc:
        return _failed_attempt(session, message, exc)
    if approval is not None:
        record_disclosure(session, approval, reference=f"message:{message.id}")
    message.sent_at = utcnow()
    return _finish(session, message, MessageStatus.SENT, None)


def _platform_send_allowed(session: Session, message: OutboxMessage) -> bool:
    policy = policy_for(session)
    provider = policy.recipients_by_id.get(EMAIL_PROVIDER)
    return (
        provider is not None
        and message.purpose in provider.purposes
        and message.category in provider.categories
        and policy.allows(message.category, message.purpose)
    )


def compose(
    settings: Settings, message: OutboxMessage, address: Address, *, unsubscribe_token: str | None
) -> EmailMessage:
    """The email for one message to one address; promotional mail carries RFC 8058 one-click unsubscribe."""
    template = get_template(message.template)
    name = _CONTROL.sub(" ", address.name).strip() if address.name else None
    link = unsubscribe_url(settings.public_url, unsubscribe_token) if unsubscribe_token else None
    context = dict(message.params) | {
        "recipient_name": name,
        "public_url": settings.public_url,
        "unsubscribe_url": link,
    }
    rendered = render_message(template, context)
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = formataddr((name or "", address.email))
    email["Subject"] = rendered.subject
    email["Date"] = formatdate(usegmt=True)
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2]
    email["Message-ID"] = f"<{message.id}@{domain}>"
    if link is not None:
        email["List-Unsubscribe"] = f"<{link}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(rendered.text)
    email.add_alternative(rendered.html, subtype="html")
    return email


def _failed_attempt(session: Session, message: OutboxMessage, error: MailerError) -> MessageStatus:
    if not error.transient or message.attempts >= MAX_ATTEMPTS:
        return _finish(session, message, MessageStatus.FAILED, error.code)
    message.last_error = error.code
    delay = min(RETRY_SECONDS * 2 ** (message.attempts - 1), MAX_RETRY_SECONDS)
    enqueue_job(
        session, "messaging.send", args={"message_id": message.id}, run_after=utcnow() + timedelta(seconds=delay)
    )
    log.warning(
        "message %s: attempt %d of %d failed (%s); trying again in %.0fs",
        message.id,
        message.attempts,
        MAX_ATTEMPTS,
        error.code,
        delay,
    )
    return MessageStatus.QUEUED


def _finish(session: Session, message: OutboxMessage, status: MessageStatus, error: str | None) -> MessageStatus:
    message.status = status.value
    message.last_error = error
    session.flush()
    record(
        session,
        AuditEntry(
            name=f"messaging:message:{status.value}",
            actor_type=SYSTEM.kind,
            actor_id=SYSTEM.id,
            tenant_id=message.tenant_id,
            purpose=message.purpose,
            object_type="outbox_message",
            object_id=str(message.id),
            subject_id=message.subject_id,
            details={
                "template": message.template,
                "kind": message.kind,
                "recipient_type": message.recipient_type,
                "recipient_id": str(message.recipient_id),
                "attempts": message.attempts,
                "error": error,
            },
        ),
    )
    log.info("message %s (%s) %s after %d attempt(s)", message.id, message.template, status.value, message.attempts)
    return status
