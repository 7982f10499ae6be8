"""Request and response bodies for contacts, with email and phone validation."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints


def normalise_email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {_reason(exc)}") from None


def _reason(exc: EmailNotValidError) -> str:
    # email-validator's messages describe the rule broken, not the address itself
    return str(exc).rstrip(".")


def normalise_phone(value: str) -> str:
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number; use the international form, such as +44 20 7946 0958") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number for its country code")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=320), AfterValidator(normalise_email)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(normalise_phone)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
JobTitle = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class ContactCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    email: Email
    phone: Phone | None = None
    job_title: JobTitle | None = None


class ContactUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    job_title: JobTitle | None = None


class ContactRead(BaseModel):
    id: uuid.UUID
    tenant_id: uuid.UUID
    name: str
    email: str
    phone: str | None
    job_title: str | None
    created_at: datetime
    modified_at: datetime | None


class ContactList(BaseModel):
    items: list[ContactRead]
    next_cursor: str | None
