"""What the request pages show about one request: its steps panel, its urgency, what was found."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from omniwise.kit.clock import utcnow
from omniwise.policy.model import Policy
from omniwise.privacy import service
from omniwise.privacy.contract import Holding
from omniwise.privacy.deadlines import deadlines_for
from omniwise.privacy.labels import LABELS
from omniwise.privacy.models import OPEN_STATUSES, PrivacyRequest, PrivacyRequestStep
from omniwise.privacy.workflow import steps_of, stored_holdings

RUNNING = frozenset({"in_progress"})


def status_panel(
    *, status: str, steps: Sequence[Any], poll_url: str, reload_url: str, detailed: bool
) -> dict[str, Any]:
    """The values of `privacy/_steps.html`: polled while the request runs, still once it stops."""
    running = status in RUNNING
    return {
        "status": status,
        "status_hint": LABELS.status_hint.get(status, ""),
        "steps": list(steps),
        "poll_url": poll_url if running else None,
        "reload_url": reload_url,
        "detailed": detailed,
        "labels": LABELS,
    }


@dataclass(frozen=True)
class FoundSummary:
    records: int
    places: int


def found(holdings: Sequence[Holding]) -> FoundSummary:
    """How many records in how many places: the portal's one-line summary of what was found."""
    return FoundSummary(records=sum(holding.records for holding in holdings), places=len(holdings))


def holdings_of(request: PrivacyRequest) -> list[Holding] | None:
    """What the `locate` step found (ids and counts), or None before it has run."""
    return None if request.holdings is None else stored_holdings(request)


def steps(session: Session, request_id: uuid.UUID) -> list[PrivacyRequestStep]:
    """A request's steps in order, for a caller who has already been allowed to see the request."""
    return steps_of(session, request_id)


def may_extend(policy: Policy, request: PrivacyRequest, *, now: datetime) -> bool:
    """Whether to offer the extension: open, not extended, and its law's notice window not past.

    Only the offer: `service.extend_request` decides, and says why not if the moment passed.
    """
    if request.status not in {status.value for status in OPEN_STATUSES} or request.extended_to is not None:
        return False
    law = policy.laws_by_id.get(request.law)
    if law is None:
        return False
    notice_by = deadlines_for(law, request.received_at).extension_notice_by
    return notice_by is not None and now <= notice_by


def flags(session: Session) -> dict[uuid.UUID, str]:
    """Which open requests are overdue and which are due within the week, by id."""
    due_soon, overdue = service.due_soon_and_overdue(session, now=utcnow())
    marks = {item.id: "due_soon" for item in due_soon}
    marks.update({item.id: "overdue" for item in overdue})
    return marks
