"""Sweepers by policy category: how each domain's rows expire, and how they are deleted or anonymised.

A domain declares its sweepers in its own `sweepers.py`, next to its models; the retention
engine finds every such module on disk, the way the job runner finds `tasks.py`. A
sweeper says nothing about periods: those come from the policy at run time.

    register_sweeper(
        Sweeper(
            name="usage.events",
            category="usage_information",
            table=UsageEvent.__table__,
            key=UsageEvent.id,
            triggers={Trigger.COLLECTED: older_than(UsageEvent.occurred_at)},
            pending=UsageEvent.actor_id.is_not(None),
            anonymise=set_values(actor_id=None),
            tenant_column=UsageEvent.tenant_id,
            describe="usage events: the actor id is dropped, the feature, outcome and time stay",
        )
    )

The engine selects a batch as a key range of rows that are expired (the trigger's clause
for the cutoff), `pending` (still holding the category's personal data: an anonymised row
holds none, so it is out of scope whatever the policy says later), and not under a legal
hold, then hands the batch's WHERE clause to `delete` or `anonymise`, which must act on
exactly those rows in set-based SQL.
Each batch commits on its own, so a sweep stopped at any point resumes where it stopped.

A sweeper for one of a category's legal exceptions (such as tax records kept ten years)
names it in `exception`; the category's main sweeper must leave the rows that exception
covers out of its `triggers` clauses.

A legal hold on a person keeps the rows of `subject_column`, or, for records that several
people share (a ticket thread: its requester's ticket and everyone's comments on it),
the rows `subject_hold` selects for the held people.

A rule for which the platform stores nothing is not a silent gap: the domain that would
hold it says so with `declare_nothing_stored(category, exception=..., reason=...)`, and
every run prints that reason instead of reporting a missing sweeper.
"""

from __future__ import annotations

import importlib
import re
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import ColumnElement, CursorResult, Table, delete, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from omniwise.policy.model import Trigger

if TYPE_CHECKING:
    from omniwise.auth.actor import Actor
    from omniwise.runtime import Runtime

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")

Column = InstrumentedAttribute[Any]
# cutoff -> the clause true for rows whose period, counted from the trigger, ended before it
Expiry = Callable[[datetime], ColumnElement[bool]]


@dataclass(frozen=True)
class SweepBatch:
    """One batch: `rows` selects exactly the rows to act on, in `session` (committed after the batch)."""

    session: Session
    runtime: Runtime
    sweeper: Sweeper
    rows: ColumnElement[bool]
    run_id: uuid.UUID
    now: datetime
    actor: Actor


# applies the action to the batch's rows; returns how many rows it deleted or anonymised
Operation = Callable[[SweepBatch], int]
# the held people's ids -> the clause true for the rows a hold on them keeps (never NULL)
SubjectHold = Callable[[Sequence[uuid.UUID]], ColumnElement[bool]]


@dataclass(frozen=True, eq=False)  # SQL expressions in the fields: compared by identity
class Sweeper:
    name: str
    category: str
    table: Table
    key: Column
    triggers: Mapping[Trigger, Expiry]
    describe: str
    exception: str | None = None
    pending: ColumnElement[bool] | None = None
    delete: Operation | None = field(default=None)
    anonymise: Operation | None = None
    tenant_column: Column | None = None
    subject_column: Column | None = None
    subject_hold: SubjectHold | None = None

    def operation(self, action: str) -> Operation | None:
        return self.delete if action == "delete" else self.anonymise


def older_than(column: Column) -> Expiry:
    """The usual trigger: a timestamp on the row itself."""
    return lambda cutoff: column < cutoff


def delete_rows(batch: SweepBatch) -> int:
    """The default delete: the batch's rows, in one statement."""
    table = batch.sweeper.table
    result = cast("CursorResult[Any]", batch.session.execute(delete(table).where(batch.rows)))
    return int(result.rowcount)


def set_values(**values: Any) -> Operation:
    """Anonymise by overwriting identifying columns (with NULL or a generalised value) in one UPDATE."""

    def anonymise(batch: SweepBatch) -> int:
        statement = update(batch.sweeper.table).where(batch.rows).values(**values)
        result = cast("CursorResult[Any]", batch.session.execute(statement))
        return int(result.rowcount)

    return anonymise


def batch_keys(batch: SweepBatch, column: Column) -> list[Any]:
    """The values of `column` in the batch's rows (for work that must happen first, such as destroying keys)."""
    return list(batch.session.scalars(select(column).where(batch.rows)))


@dataclass(frozen=True)
class NothingStored:
    """A rule of the policy that no table holds records for, and why, in words a run prints."""

    category: str
    exception: str | None
    reason: str


_sweepers: dict[str, Sweeper] = {}
_nothing_stored: dict[tuple[str, str | None], NothingStored] = {}
_loaded = False
_lock = threading.Lock()


def register_sweeper(sweeper: Sweeper) -> Sweeper:
    if not NAME_PATTERN.match(sweeper.name):
        raise ValueError(f"sweeper name {sweeper.name!r} is not dotted lower-case, like 'usage.events'")
    if not sweeper.triggers:
        raise ValueError(f"sweeper {sweeper.name!r} knows no trigger")
    if sweeper.delete is None and sweeper.anonymise is None:
        raise ValueError(f"sweeper {sweeper.name!r} can neither delete nor anonymise")
    existing = _sweepers.get(sweeper.name)
    if existing is not None and existing is not sweeper:
        raise ValueError(f"sweeper {sweeper.name!r} is registered twice")
    _sweepers[sweeper.name] = sweeper
    return sweeper


def declare_nothing_stored(category: str, *, exception: str | None = None, reason: str) -> NothingStored:
    """Say that no record of `category` (or of its `exception`) is stored, so no sweeper is needed."""
    if not reason.strip() or len(reason) > 400:  # it is printed, and kept in a run's 500-character note
        raise ValueError(f"a declaration that nothing of '{category}' is stored needs a reason of 1-400 characters")
    declared = NothingStored(category, exception, reason.strip())
    existing = _nothing_stored.get((category, exception))
    if existing is not None and existing != declared:
        raise ValueError(f"'{category}' ({exception or 'its own period'}) is declared stored nowhere twice")
    _nothing_stored[(category, exception)] = declared
    return declared


def load_sweepers() -> None:
    """Import every domain's `sweepers` module once per process."""
    global _loaded
    if _loaded:
        return
    with _lock:
        if _loaded:
            return
        package = Path(__file__).resolve().parent.parent
        for module in sorted(package.glob("*/sweepers.py")):
            importlib.import_module(f"omniwise.{module.parent.name}.sweepers")
        _loaded = True


def all_sweepers() -> list[Sweeper]:
    load_sweepers()
    return sorted(_sweepers.values(), key=lambda s: s.name)


def all_nothing_stored() -> list[NothingStored]:
    load_sweepers()
    return sorted(_nothing_stored.values(), key=lambda d: (d.category, d.exception or ""))
