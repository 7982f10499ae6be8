"""Reading the disclosure records (who received what, why, when, under which safeguard) and the transfer routes.

Staff with `disclosures:read` see every business's records, filtered by business,
recipient and dates; the routes say, for each recipient and each region a business may
hold its data in, how data may reach it under the policy: in region, under which
mechanism, or not at all (the disclosure gate then refuses the send).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.disclosures import repository
from omniwise.disclosures.models import Disclosure
from omniwise.errors import ValidationFailed
from omniwise.kit.clock import utcnow
from omniwise.kit.pagination import Page, decode_cursor, encode_cursor
from omniwise.policy.model import Mechanism, MechanismKind, Policy, Recipient
from omniwise.tenants.service import require


@dataclass(frozen=True)
class DisclosureRow:
    disclosure: Disclosure
    tenant_name: str


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def list_disclosures(
    session: Session,
    *,
    actor: Actor,
    tenant_id: uuid.UUID | None = None,
    recipient_id: str | None = None,
    since: date | None = None,
    until: date | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[DisclosureRow]:
    """Disclosure records, newest first; `since` and `until` are days (UTC), both included."""
    require(actor, Permission.DISCLOSURES_READ)
    if since is not None and until is not None and since > until:
        raise ValidationFailed("since: must not be after until")
    rows = list(
        repository.page(
            session,
            tenant_id=tenant_id,
            recipient_id=recipient_id,
            since=_start(since) if since else None,
            until=_start(until + timedelta(days=1)) if until else None,
            after=decode_cursor(cursor),
            limit=limit + 1,
        )
    )
    next_cursor = encode_cursor(rows[limit - 1][0].id) if len(rows) > limit else None
    return Page(items=[DisclosureRow(row, name) for row, name in rows[:limit]], next_cursor=next_cursor)


def disclosures_since(session: Session, *, actor: Actor, days: int = 30) -> int:
    """How many disclosures were recorded in the last `days` days."""
    require(actor, Permission.DISCLOSURES_READ)
    return repository.count_since(session, since=utcnow() - timedelta(days=days))


SHORT_NAMES = {
    MechanismKind.ADEQUACY: "adequacy decision",
    MechanismKind.SCC: "SCCs",
    MechanismKind.KVKK_STANDARD_CONTRACT: "KVKK standard contract",
    MechanismKind.BCR: "BCRs",
}


@dataclass(frozen=True)
class Route:
    region: str
    label: str  # "in region", the mechanism's short name, or "blocked"
    mechanism: Mechanism | None


@dataclass(frozen=True)
class RecipientRoutes:
    recipient: Recipient
    routes: list[Route]


def transfer_routes(policy: Policy) -> list[RecipientRoutes]:
    """For every recipient, how each region's data reaches it, as the disclosure gate decides it."""
    found = []
    for recipient in policy.recipients:
        routes = []
        for region in policy.transfers.regions:
            route = policy.route(recipient, region.id)
            if route is None:
                routes.append(Route(region.id, "blocked", None))
            elif route.in_region:
                routes.append(Route(region.id, "in region", None))
            else:
                mechanism = route.mechanism
                routes.append(Route(region.id, SHORT_NAMES[mechanism.kind] if mechanism else "blocked", mechanism))
        found.append(RecipientRoutes(recipient, routes))
    return found
