"""Reading the request forms of the pages: the fields, their problems beside them, and the corrections asked for."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from pydantic import BaseModel

from omniwise.privacy.contract import RequestType, all_contributions
from omniwise.web.forms import Form, validate

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
    type: RequestType
    email: str
    jurisdiction: str | None
    tenant_id: uuid.UUID | None
    changes: dict[str, str] = field(default_factory=dict)


def public_request(form: Form, schema: type[BaseModel]) -> RequestForm | None:
    """The form checked by the public endpoint's own schema; None, with the problems on the form, otherwise."""
    changes = {
        name.removeprefix(CHANGE_PREFIX): value.strip()
        for name, value in form.values.items()
        if name.startswith(CHANGE_PREFIX) and value.strip()
    }
    data: dict[str, object] = {
        "type": form.value("type") or None,
        "email": form.value("email"),
        "jurisdiction": form.value("jurisdiction").strip() or None,
        "tenant_id": form.value("tenant_id").strip() or None,
    }
    if changes:
        data["changes"] = changes
    body = validate(schema, form, data=data)
    if form.value("type") == RequestType.CORRECTION.value and not changes and "type" not in form.errors:
        form.errors["changes"] = "say what should be corrected: fill in at least one field"
    if body is None or not form.ok:
        return None
    values = body.model_dump()
    return RequestForm(
        type=RequestType(values["type"]),
        email=values["email"],
        jurisdiction=values.get("jurisdiction"),
        tenant_id=values.get("tenant_id"),
        changes=dict(values.get("changes") or {}),
    )
