"""Response bodies for a business's choices about sharing with partners."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from omniwise.disclosures.service import SharingChoice


class SharingRead(BaseModel):
    recipient_id: str
    name: str
    service: str
    categories: list[str]
    opted_in: bool
    opted_in_at: datetime | None

    @classmethod
    def of(cls, choice: SharingChoice) -> SharingRead:
        recipient, row = choice.recipient, choice.opt_in
        return cls(
            recipient_id=recipient.id,
            name=recipient.name,
            service=recipient.service,
            categories=list(recipient.categories),
            opted_in=row is not None,
            opted_in_at=row.opted_in_at if row is not None else None,
        )


class SharingList(BaseModel):
    items: list[SharingRead]
