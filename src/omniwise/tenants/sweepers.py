"""Retention of business details (business_details): a business closed longer than the period loses them."""

from __future__ import annotations

from omniwise.policy.model import Trigger
from omniwise.retention.registry import Sweeper, older_than, register_sweeper, set_values
from omniwise.tenants.models import Tenant

ERASED_NAME = "(erased business)"

# The details (name, address, industry, organisation) are deleted; the row itself stays as
# the id that records kept longer by law (invoices, under the tax exception) still point to.
# Deleting and anonymising the details are therefore the same statement.
_erase_details = set_values(name=ERASED_NAME, address=None, industry=None, organisation={}, status="erased")

register_sweeper(
    Sweeper(
        name="tenants.business_details",
        category="business_details",
        table=Tenant.__table__,  # type: ignore[arg-type]
        key=Tenant.id,
        triggers={Trigger.ACCOUNT_CLOSED: older_than(Tenant.closed_at)},
        pending=Tenant.status != "erased",
        delete=_erase_details,
        anonymise=_erase_details,
        tenant_column=Tenant.id,
        describe="business details of closed accounts: name replaced, address, industry and organisation deleted",
    )
)
