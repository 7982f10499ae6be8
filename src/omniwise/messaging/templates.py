"""Message templates: what each is for (its kind and purpose), the parameters it takes, and rendering.

Parameters are stored in the outbox, so they hold no personal data: numbers, ids and the
words of the platform itself. What is personal (the recipient's name) is read when the
message is sent and passed to the template then, never stored.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from omniwise.errors import ValidationFailed
from omniwise.kit.shapes import looks_personal
from omniwise.messaging.models import MessageKind
from omniwise.policy.purposes import Purpose

Param = str | int | bool | None | list[str]

MAX_STRING = 300
MAX_LIST = 50


@dataclass(frozen=True)
class MessageTemplate:
    name: str
    kind: MessageKind
    purpose: Purpose
    params: frozenset[str]
    links: frozenset[str] = frozenset()


TEMPLATES: dict[str, MessageTemplate] = {
    template.name: template
    for template in (
        MessageTemplate(
            "notice_changed",
            MessageKind.TRANSACTIONAL,
            Purpose.LEGAL_COMPLIANCE,
            frozenset({"version", "previous_version", "changes"}),
        ),
        MessageTemplate(
            "product_news",
            MessageKind.PROMOTIONAL,
            Purpose.PROMOTIONAL_COMMUNICATIONS,
            frozenset({"headline", "summary", "link"}),
            links=frozenset({"link"}),
        ),
        # privacy requests: all transactional, so an opt-out never silences the answer to a request
        *(
            MessageTemplate(name, MessageKind.TRANSACTIONAL, Purpose.PRIVACY_REQUESTS, frozenset(params))
            for name, params in (
                ("privacy_verification", ("reference", "request_type", "law", "verify_path")),
                (
                    "privacy_acknowledgement",
                    ("reference", "request_type", "law", "received_on", "due_on", "needs_verification"),
                ),
                ("privacy_extension", ("reference", "law", "reason", "due_on", "extended_on")),
                ("privacy_approval_needed", ("reference", "request_type", "due_on", "request_path")),
                ("privacy_completed", ("reference", "request_type", "summary", "export_path")),
                ("privacy_refused", ("reference", "request_type", "reason")),
                ("privacy_deadlines", ("overdue", "due_soon")),
            )
        ),
    )
}


def get_template(name: str) -> MessageTemplate:
    try:
        return TEMPLATES[name]
    except KeyError:
        raise ValidationFailed(f"template: '{name}' is not a message template") from None


def check_params(template: MessageTemplate, params: Mapping[str, Any]) -> dict[str, Param]:
    """The parameters as stored, or ValidationFailed naming the first one at fault."""
    unknown = sorted(set(params) - template.params)
    if unknown:
        raise ValidationFailed(f"params.{unknown[0]}: template '{template.name}' takes no such parameter")
    missing = sorted(template.params - set(params))
    if missing:
        raise ValidationFailed(f"params.{missing[0]}: template '{template.name}' needs it")
    checked: dict[str, Param] = {}
    for key, value in params.items():
        if isinstance(value, list | tuple):
            if len(value) > MAX_LIST:
                raise ValidationFailed(f"params.{key}: at most {MAX_LIST} items")
            checked[key] = [_string(f"params.{key}", item) for item in value]
        elif isinstance(value, str):
            checked[key] = _string(f"params.{key}", value)
        elif value is None or isinstance(value, bool | int):
            checked[key] = value
        else:
            raise ValidationFailed(f"params.{key}: must be a string, an integer, a boolean, null or a list of strings")
        if key in template.links and not (isinstance(value, str) and value.startswith(("https://", "http://"))):
            raise ValidationFailed(f"params.{key}: must be an http or https link")
    return checked


def _string(where: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValidationFailed(f"{where}: must be a string")
    if len(value) > MAX_STRING:
        raise ValidationFailed(f"{where}: at most {MAX_STRING} characters")
    if looks_personal(value):
        raise ValidationFailed(f"{where}: looks like an address or phone number; parameters hold no personal data")
    return value


@functools.cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("omniwise.messaging", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render_message(template: MessageTemplate, context: Mapping[str, Any]) -> Rendered:
    env = _environment()
    subject = env.get_template(f"{template.name}.subject.j2").render(context)
    return Rendered(
        subject=" ".join(subject.split()),
        text=env.get_template(f"{template.name}.txt.j2").render(context),
        html=env.get_template(f"{template.name}.html.j2").render(context),
    )


def render_page(name: str, **context: Any) -> str:
    """A small HTML page of messaging (the unsubscribe confirmation)."""
    return _environment().get_template(f"{name}.html.j2").render(context)
