"""Why a business's own details contribute nothing to a person's privacy request.

A tenant row holds the business's name, address, industry and organisation details:
business data (policy category `business_details`), not a person's, and nothing in it
is an email address or points at a data subject, so no request naming a person by email
leads to it. The people of a business are held elsewhere and found there: its contacts
(`contacts`), its billing contact (`billing`) and its accounts (`users`).

A sole trader's business name may be their own name. Even then it is the business's
record for as long as the business has an account (the contract and its invoices need
it), and it is erased with the account: closing it (`tenants/closing.py`) starts the
`business_details` retention, after which the tenant is deleted (the name and address on
invoices are kept by the `tax_records` exception). Deleting it on a person's request
would close a business's account from outside it, so `locate` finds nothing here and the
request's report says so; the business decides on its own account.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping

from omniwise.privacy.contract import ExportSection, Holding, Outcome, StepContext, contribution


@contribution
class TenantsContribution:
    """A business's own details: business data, never found by a person's email."""

    name = "tenants"

    def locate(self, ctx: StepContext, *, email: str, tenant_id: uuid.UUID | None) -> list[Holding]:
        return []  # business data holds no one's email address (see the module's docstring)

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
