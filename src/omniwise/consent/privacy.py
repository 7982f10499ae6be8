"""Why cookie consent records contribute nothing to a privacy request made by email.

A consent record is keyed by `consent_id`, a random id that lives only in the browser's
`ow_consent` cookie, and by a keyed hash of the IP address the choice came from. Neither
is linked to an email address, an account or a data subject anywhere on the platform, so
a request naming a person by email cannot reach them, and pretending otherwise would
hand one person's records to another. `locate` therefore finds nothing, and the request's
report says so. A person who wants their own consent records can still change or
withdraw their choice from the browser that holds the cookie (the privacy center's
cookie preferences), and the records go when the `cookies` category's period ends.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping

from omniwise.privacy.contract import ExportSection, Holding, Outcome, StepContext, contribution


@contribution
class ConsentContribution:
    """Cookie consent records: keyed by a browser's random id, never by a person (so never found by email)."""

    name = "consent"

    def locate(self, ctx: StepContext, *, email: str, tenant_id: uuid.UUID | None) -> list[Holding]:
        return []  # no record can be tied to an email address (see the module's docstring)

    def export(self, ctx: StepContext, holdings: list[Holding]) -> Iterator[ExportSection]:
        yield from ()

    def erase(self, ctx: StepContext, holdings: list[Holding]) -> list[Outcome]:
        return []

    def correctable(self) -> Mapping[str, str]:
        return {}

    def check_changes(self, changes: Mapping[str, str]) -> None:
        return None  # nothing here is corrected

    def correct(self, ctx: StepContext, holdings: list[Holding]) -> list[Outcome]:
        return []

    def opt_out(self, ctx: StepContext, holdings: list[Holding], *, email: str) -> list[Outcome]:
        return []
