"""Reading the request forms of the pages: the fields, their problems beside them, and the corrections asked for.

The service checks every value (type, address, law, fields to correct) and names the field
in its message, which `forms.attempt` puts beside it; the form itself only turns text into
the types the service takes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from omniwise.privacy.contract import all_contributions
from omniwise.web.forms import Form

CHANGE_PREFIX = "change-"


def correctable_fields() -> list[tuple[str, str]]:
    """Every field a person may have corrected, across the platform's parts, in a stable order."""
    fields: dict[str, str] = {}
    for part in all_contributions():
        for name, label in part.correctable().items():
            fields.setdefault(name, label)
    return sorted(fields.items(), key=lambda item: item[1])


@dataclass(frozen=True)
class RequestForm:
    type: str
    email: str
    jurisdiction: str | None
    tenant_id: uuid.UUID | None
    changes: dict[str, str] = field(default_factory=dict)


def public_request(form: Form) -> RequestForm | None:
    """The form's values as the service takes them; None, with the problems on the form, when one cannot be read."""
    if not form.value("type"):
        form.errors["type"] = "choose what you would like us to do"
    if not form.value("email").strip():
        form.errors["email"] = "enter the email address we know you by"
    tenant_id: uuid.UUID | None = None
    reference = form.value("tenant_id").strip()
    if reference:
        try:
            tenant_id = uuid.UUID(reference)
        except ValueError:
            form.errors["tenant_id"] = "not a business reference: it looks like 3f0c9a52-…; or leave it empty"
    if not form.ok:
        return None
    changes = {
        name.removeprefix(CHANGE_PREFIX): value.strip()
        for name, value in form.values.items()
        if name.startswith(CHANGE_PREFIX) and value.strip()
    }
    return RequestForm(
        type=form.value("type"),
        email=form.value("email").strip(),
        jurisdiction=form.value("jurisdiction").strip() or None,
        tenant_id=tenant_id,
        changes=changes,
    )


def place_changes(form: Form) -> None:
    """Put the service's `changes.<field>: ...` messages beside that field of the form."""
    kept = []
    for message in form.general:
        name, sep, text = message.partition(": ")
        field_name = CHANGE_PREFIX + name.removeprefix("changes.")
        if sep and name.startswith("changes.") and field_name in form.values:
            form.errors.setdefault(field_name, text)
        else:
            kept.append(message)
    form.general = kept
