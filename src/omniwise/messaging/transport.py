"""Sending an email: the Mailer interface, SMTP (the real one) and memory (for tests and development).

A mail server's replies can quote the address they refuse, so a failure is reported by
its SMTP code only, never by the server's text.
"""

from __future__ import annotations

import copy
import smtplib
import ssl
import threading
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from omniwise.config import Settings


class MailerError(Exception):
    """A send that failed; `transient` says whether trying again later may succeed."""

    def __init__(self, code: str, *, transient: bool) -> None:
        super().__init__(code)
        self.code = code
        self.transient = transient


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hand one message to the mail system, or raise MailerError."""


class SmtpMailer:
    """SMTP to the server of `OMNIWISE_SMTP_URL`: smtp://[user:pass@]host:port[?starttls=true], or smtps://."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("an SMTP URL is smtp://host:port or smtps://host:port")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.starttls = parse_qs(parts.query).get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
        self.timeout = timeout

    def describe(self) -> str:
        """Where mail goes, without credentials, for logs."""
        return f"{'smtps' if self.implicit_tls else 'smtp'}://{self.host}:{self.port}"

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def send(self, message: EmailMessage) -> None:
        try:
            with self._connect() as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username is not None:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise MailerError(
                f"smtp_recipient_refused:{min(codes)}", transient=all(400 <= c < 500 for c in codes)
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise MailerError(f"smtp_reply:{exc.smtp_code}", transient=not 500 <= exc.smtp_code < 600) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise MailerError(f"smtp_unreachable:{type(exc).__name__}", transient=True) from None


class MemoryMailer:
    """Keeps what it is given; `fail_with` makes the next sends fail, to exercise retries."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self.fail_with: list[MailerError] = []
        self._lock = threading.Lock()

    def send(self, message: EmailMessage) -> None:
        with self._lock:
            if self.fail_with:
                raise self.fail_with.pop(0)
            self.sent.append(copy.deepcopy(message))


def mailer_for(settings: Settings) -> SmtpMailer | None:
    """The mailer `OMNIWISE_SMTP_URL` names; None when it is unset (messages then stay queued)."""
    return SmtpMailer(settings.smtp_url) if settings.smtp_url else None
