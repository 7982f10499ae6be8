"""Reading the request forms of the pages: the fields, their problems beside them, and the corrections asked for.

A form is read by the public endpoint's own schema and opened by the same intake, which
checks every value (type, address, law, fields to correct) and names the field in its
message; `forms.attempt` puts that message beside the field.
"""

from __future__ import annotations

from omniwise.privacy.contract import all_contributions
from omniwise.privacy.schemas import PublicRequestCreate
from omniwise.web.forms import Form, validate

CHANGE_PREFIX = "change-"


def correctable_fields() -> list[tuple[str, str]]:
    """Every field a person may have corrected, across the platform's parts, in a stable order.

    A field several parts hold (a name is on the contact, the account, the billing details and
    in Zendesk) is corrected in all of them, so it takes the plainest of their labels ("Name",
    not "Billing name"); fields of one group (the billing address's lines) stay together.
    """
    fields: dict[str, str] = {}
    for part in all_contributions():
        for name, label in part.correctable().items():
            known = fields.get(name)
            fields[name] = label if known is None or len(label) < len(known) else known
    order = {name: position for position, name in enumerate(fields)}
    return sorted(fields.items(), key=lambda item: (item[0].startswith("address_"), order[item[0]]))


def public_request(form: Form) -> PublicRequestCreate | None:
    """The form checked by the public endpoint's own schema; None, with the problems on the form, otherwise."""
    if not form.value("type"):
        form.errors["type"] = "choose what you would like us to do"
    if not form.value("email").strip():
        form.errors["email"] = "enter the email address we know you by"
    changes = {
        name.removeprefix(CHANGE_PREFIX): value.strip()
        for name, value in form.values.items()
        if name.startswith(CHANGE_PREFIX) and value.strip()
    }
    data: dict[str, object] = {
        "type": form.value("type"),
        "email": form.value("email").strip(),
        "jurisdiction": form.value("jurisdiction").strip() or None,
        "tenant_id": form.value("tenant_id").strip() or None,
        "changes": changes or None,
    }
    body = validate(PublicRequestCreate, form, data=data)
    if "tenant_id" in form.errors:
        form.errors["tenant_id"] = "not a business reference: it looks like 3f0c9a52-…; or leave it empty"
    return body if form.ok else None


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
