"""What the request pages show about one request: its steps panel, its urgency, what was found."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from omniwise.kit.clock import utcnow
from omniwise.privacy import service
from omniwise.privacy.labels import LABELS

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


def found(holdings: Iterable[Mapping[str, Any]] | None) -> FoundSummary:
    """How many records in how many places: the portal's one-line summary of what was found."""
    rows = list(holdings or [])
    return FoundSummary(records=sum(int(row.get("records", 0)) for row in rows), places=len(rows))


def flags(session: Session) -> dict[uuid.UUID, str]:
    """Which open requests are overdue and which are due within the week, by id."""
    due_soon, overdue = service.due_soon_and_overdue(session, now=utcnow())
    marks = {item.id: "due_soon" for item in due_soon}
    marks.update({item.id: "overdue" for item in overdue})
    return marks
