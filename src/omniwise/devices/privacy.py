"""What device sightings contribute to privacy requests (device and network data; Omni Wise is the controller).

A sighting names the actor that made the requests by id only; for a person who signs
in, that is their account's id, so their sightings are found through the account with
their address (`users.privacy.account_for`). Access lists the sightings that still hold
the full address and user agent; deletion anonymises them at once, in one statement, as
the retention sweep would at the period's end (the address, user agent and actor id go;
the /24 or /48 network and the browser, OS and device families, which point to no one, stay).

The policy does not list `privacy_requests` among the purposes of device and network data,
so this domain names `legal_compliance`, which it does list: answering a request under
data protection law is a legal obligation (the purpose `privacy_requests` rests on the
same basis).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from omniwise.devices import service
from omniwise.policy.binding import policy_for
from omniwise.policy.enforcement import require_purpose
from omniwise.policy.purposes import Purpose
from omniwise.privacy.contract import (
    ExportSection,
    Holding,
    Outcome,
    StepContext,
    SubjectRole,
    contribution,
    iso,
    record_schema,
)
from omniwise.users.privacy import account_for

NAME = "devices"
CATEGORY = "device_network_data"
WHERE = "platform database"
PURPOSE = Purpose.LEGAL_COMPLIANCE.value

SCHEMA = record_schema(
    "A device and network that reached the platform with your account, on one day",
    {
        "day": ("string", False),
        "ip_address": ("string", True),
        "ip_network": ("string", False),
        "user_agent": ("string", True),
        "browser_family": ("string", False),
        "os_family": ("string", False),
        "device_family": ("string", False),
        "first_seen_at": ("string", False),
        "last_seen_at": ("string", False),
        "requests": ("integer", False),
    },
)


def _check(ctx: StepContext, tenant_id: uuid.UUID | None) -> None:
    require_purpose(
        ctx.session, policy_for(ctx.session), category=CATEGORY, purpose=PURPOSE, actor=ctx.actor, tenant_id=tenant_id
    )


@contribution
class DevicesContribution:
    """Device sightings that still name a person's account."""

    name = NAME

    def locate(self, ctx: StepContext, *, email: str, tenant_id: uuid.UUID | None) -> list[Holding]:
        _check(ctx, tenant_id)
        user = account_for(ctx, email=email, tenant_id=tenant_id)
        if user is None:
            return []
        count = service.count_of_actor(ctx.session, actor_id=str(user.id))
        if not count:
            return []
        return [
            Holding(
                contribution=NAME,
                category=CATEGORY,
                role=SubjectRole.CONTROLLER,
                tenant_id=user.tenant_id,
                subject_id=user.subject_id,
                key=str(user.id),
                records=count,
                description=f"device sightings of account {user.id}",
            )
        ]

    def export(self, ctx: StepContext, holdings: list[Holding]) -> Iterator[ExportSection]:
        if holdings:
            yield ExportSection(
                name="devices",
                category=CATEGORY,
                title="Devices and networks that reached us with your account",
                schema=SCHEMA,
                records=self._records(ctx, holdings),
            )

    def _records(self, ctx: StepContext, holdings: list[Holding]) -> Iterator[dict[str, Any]]:
        for holding in holdings:
            _check(ctx, holding.tenant_id)
            for row in service.sightings_of_actor(ctx.session, actor_id=holding.key):
                yield {
                    "day": iso(row.day),
                    "ip_address": row.ip_address,
                    "ip_network": row.ip_network,
                    "user_agent": row.user_agent,
                    "browser_family": row.browser_family,
                    "os_family": row.os_family,
                    "device_family": row.device_family,
                    "first_seen_at": iso(row.first_seen_at),
                    "last_seen_at": iso(row.last_seen_at),
                    "requests": row.requests,
                }

    def erase(self, ctx: StepContext, holdings: list[Holding]) -> list[Outcome]:
        if not holdings:
            return []
        done = 0
        for holding in holdings:
            _check(ctx, holding.tenant_id)
            done += service.anonymise_actor(ctx.session, actor_id=holding.key)
        return [Outcome(NAME, CATEGORY, "anonymised", WHERE, done)]

    def correctable(self) -> Mapping[str, str]:
        return {}  # a record of what reached us is not corrected

    def check_changes(self, changes: Mapping[str, str]) -> None:
        return None  # nothing here is corrected

    def correct(self, ctx: StepContext, holdings: list[Holding]) -> list[Outcome]:
        return []

    def opt_out(self, ctx: StepContext, holdings: list[Holding], *, email: str) -> list[Outcome]:
        return []
