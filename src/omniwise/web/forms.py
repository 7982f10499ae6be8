"""HTML forms: submitted fields validated by the API's own schemas, problems shown next to their field.

A form is checked by the same Pydantic schema and the same service as the API, and its
problems read the same: the API's `body.email: not a valid email address` is the form's
`not a valid email address` beside the email field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from omniwise.errors import OmniwiseError
from omniwise.web.problems import error_message

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


@dataclass
class Form:
    """What a form shows: the values as typed, and a message per field (or for the whole form)."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    status: int = 422  # the status of the answer that shows the form again: the error's own, once one is added

    @property
    def ok(self) -> bool:
        return not self.errors and not self.general

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def error(self, name: str) -> str | None:
        return self.errors.get(name)

    def add(self, error: OmniwiseError) -> None:
        """Place a service error beside the field its message names (`field: message`), else above the form."""
        self.status = error.status_code
        name, sep, message = error.detail.partition(": ")
        if sep and name in self.values and name not in self.errors:
            self.errors[name] = message
        else:
            self.general.append(error.detail)


def read(form_data: Mapping[str, object], names: Iterable[str]) -> Form:
    """The named fields as text; a field the browser did not send is empty."""
    values = {}
    for name in names:
        raw = form_data.get(name)
        values[name] = raw if isinstance(raw, str) else ""
    return Form(values=values)


def validate(
    model: type[M], form: Form, *, blank_is_none: Iterable[str] = (), data: Mapping[str, object] | None = None
) -> M | None:
    """The schema's instance for the form's values (or `data` made from them), else None with the schema's messages."""
    if data is None:
        blank = set(blank_is_none)
        data = {name: None if name in blank and not value.strip() else value for name, value in form.values.items()}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = [str(part) for part in err.get("loc", ())]
            name = loc[0] if loc else ""
            if name in form.values:
                form.errors.setdefault(name, error_message(err))
            else:
                form.general.append(f"{'.'.join(loc) or 'form'}: {error_message(err)}")
        return None


async def submitted(request: Request) -> FormData:
    """The submitted fields, for a page that reads them by name (parsed once; the CSRF check shares it)."""
    return await request.form()


Submitted = Annotated[FormData, Depends(submitted)]


# Problems with what was typed are shown on the form; others (forbidden, gone, not found) are pages of their own.
FORM_STATUSES = frozenset({400, 409, 422})


def attempt(session: Session, form: Form, call: Callable[[], T]) -> T | None:
    """Run a service call for a form; on a problem with the input, undo its work and put the message on the form."""
    try:
        return call()
    except OmniwiseError as exc:
        if exc.status_code not in FORM_STATUSES:
            raise
        session.rollback()
        form.add(exc)
        return None
