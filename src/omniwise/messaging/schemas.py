"""Response bodies of messaging: a business's contacts and whether promotional mail to each is stopped."""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from omniwise.messaging.opt_outs import ContactOptOut


class OptOutRead(BaseModel):
    contact_id: uuid.UUID
    name: str
    email: str
    opted_out: bool

    @classmethod
    def of(cls, item: ContactOptOut) -> OptOutRead:
        return cls(
            contact_id=item.contact.id, name=item.contact.name, email=item.contact.email, opted_out=item.opted_out
        )


class OptOutList(BaseModel):
    items: list[OptOutRead]
    next_cursor: str | None
