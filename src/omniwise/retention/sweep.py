"""The retention engine: every rule of the policy, applied by its sweepers in batches, each its own transaction.

Unlike a service, the engine owns its transactions: one per batch is the point. A sweep
stopped anywhere (a crash, Ctrl-C, a deploy) has committed every batch before the stop
and nothing of the one it was in; running it again finds only what is still to do,
because deleted rows are gone and anonymised rows no longer match their sweeper's
`pending` clause. The run record is updated in the same transaction as each batch, so
its counts are exact even for a run that never finished.
"""

from __future__ import annotations

import calendar
import logging
import uuid
from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, func, not_, or_, select, true, update
from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import Actor
from omniwise.errors import ValidationFailed
from omniwise.kit.clock import utcnow
from omniwise.policy.binding import policy_for
from omniwise.policy.duration import Duration
from omniwise.policy.model import Policy, Trigger
from omniwise.retention import repository
from omniwise.retention.models import RetentionRun, RetentionRunCategory, RetentionRunHold
from omniwise.retention.registry import NothingStored, SweepBatch, Sweeper, all_nothing_stored, all_sweepers
from omniwise.runtime import Runtime
from omniwise.worker.runner import describe_error

log = logging.getLogger("omniwise.retention")

# big enough that per-batch costs (the boundary query, the commit) vanish, small enough for short locks
DEFAULT_BATCH_SIZE = 10_000
# a rule whose batches keep failing is left for the next run rather than retried forever
MAX_FAILED_BATCHES = 3
# how the note of a rule the platform stores nothing for begins, in the run record and its printout
NOTHING_STORED = "nothing to sweep: "
NO_SWEEPER = "no sweeper is registered for this rule"

UnitOfWork = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class Rule:
    """One retention rule of the policy: a category's own period, or one of its legal exceptions."""

    category: str
    exception: str | None
    period: str
    trigger: str
    action: str

    @property
    def label(self) -> str:
        return f"{self.category}/{self.exception}" if self.exception else self.category


@dataclass(frozen=True)
class PlannedSweep:
    rule: Rule
    sweeper: Sweeper | None
    problem: str | None
    # for a rule with nothing stored: why, in words (a rule with a note and no problem is complete)
    note: str | None = None


@dataclass(frozen=True)
class HoldView:
    """A legal hold as the run saw it when it started."""

    id: uuid.UUID
    scope: str
    tenant_id: uuid.UUID | None
    subject_id: uuid.UUID | None
    category: str | None


def policy_rules(policy: Policy) -> list[Rule]:
    rules = []
    for category in policy.categories:
        if category.retention is None:
            continue
        retention = category.retention
        rules.append(Rule(category.id, None, retention.period, retention.trigger.value, retention.action.value))
        for exception in retention.exceptions:
            rules.append(
                Rule(category.id, exception.id, exception.period, exception.trigger.value, exception.action.value)
            )
    return rules


def columns_holding(policy: Policy, category: str) -> list[str]:
    """The columns of the data map that hold `category`: declared on the models, or listed by the policy."""
    from omniwise.models import metadata  # every model, imported only when a plan needs them

    found = {
        f"{table.name}.{column.name}"
        for table in metadata.tables.values()
        for column in table.columns
        if column.info.get("personal") and column.info.get("category") == category
    }
    listed = policy.categories_by_id.get(category)
    return sorted(found | set(listed.columns if listed is not None else ()))


def _unswept(policy: Policy, rule: Rule, declared: NothingStored | None) -> PlannedSweep:
    """A rule with no sweeper: explained if the platform stores nothing for it (and the data map agrees)."""
    if declared is None:
        return PlannedSweep(rule, None, NO_SWEEPER)
    holders = columns_holding(policy, rule.category) if rule.exception is None else []
    if holders:
        return PlannedSweep(
            rule, None, f"{NO_SWEEPER}: it is declared stored nowhere, yet {holders[0]} holds '{rule.category}'"
        )
    return PlannedSweep(rule, None, None, NOTHING_STORED + declared.reason)


def plan(
    policy: Policy,
    sweepers: Sequence[Sweeper],
    categories: Collection[str] | None = None,
    *,
    nothing_stored: Sequence[NothingStored] = (),
) -> list[PlannedSweep]:
    """Pair each rule with its sweepers; a rule with none, or a sweeper with no rule, is reported, not swept.

    A rule with no sweeper that a domain declares stored nowhere is planned with that reason
    instead, unless a column of the data map holds its category after all.
    """
    planned: list[PlannedSweep] = []
    matched: set[str] = set()
    declared = {(d.category, d.exception): d for d in nothing_stored}
    for rule in policy_rules(policy):
        if categories and rule.category not in categories:
            continue
        mine = [s for s in sweepers if s.category == rule.category and s.exception == rule.exception]
        if not mine:
            planned.append(_unswept(policy, rule, declared.get((rule.category, rule.exception))))
        for sweeper in mine:
            matched.add(sweeper.name)
            problem = None
            if Trigger(rule.trigger) not in sweeper.triggers:
                known = ", ".join(sorted(t.value for t in sweeper.triggers))
                problem = f"sweeper {sweeper.name} cannot count from trigger '{rule.trigger}' (it knows {known})"
            elif sweeper.operation(rule.action) is None:
                problem = f"sweeper {sweeper.name} cannot {rule.action}"
            planned.append(PlannedSweep(rule, sweeper, problem))
    for sweeper in sweepers:
        if sweeper.name in matched or (categories and sweeper.category not in categories):
            continue
        rule = Rule(sweeper.category, sweeper.exception, "", "", "")
        where = f"exception '{sweeper.exception}' of " if sweeper.exception else ""
        planned.append(PlannedSweep(rule, sweeper, f"the policy has no {where}category '{sweeper.category}'"))
    return planned


def cutoff_for(period: Duration, now: datetime) -> datetime:
    """The moment `period` before `now`, in calendar months like `Duration.after` (31 Mar - P1M = 28/29 Feb)."""
    month_index = now.month - 1 - period.months - 12 * period.years
    year, month = now.year + month_index // 12, month_index % 12 + 1
    day = min(now.day, calendar.monthrange(year, month)[1])
    return now.replace(year=year, month=month, day=day) - timedelta(days=7 * period.weeks + period.days)


def run_retention(
    runtime: Runtime,
    *,
    dry_run: bool,
    started_by: str,
    actor: Actor,
    now: datetime | None = None,
    categories: Collection[str] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    unit: UnitOfWork | None = None,
) -> uuid.UUID:
    """Sweep every rule of the policy (or of `categories`); the id of the run record it leaves.

    `unit` opens one transaction (default: `runtime.transaction`); a job passes one that
    commits its own session, so that the sweep never waits on the job's transaction.
    """
    if batch_size < 1:
        raise ValidationFailed("batch_size: must be at least 1")
    units = unit or runtime.transaction
    moment = now or utcnow()
    with units() as session:
        policy = policy_for(session)
        unknown = sorted(set(categories or ()) - set(policy.categories_by_id))
        if unknown:
            raise ValidationFailed(f"category: '{unknown[0]}' is not a category of the privacy policy")
        planned = plan(policy, all_sweepers(), categories, nothing_stored=all_nothing_stored())
        holds = [
            HoldView(h.id, h.scope, h.tenant_id, h.subject_id, h.category)
            for h in repository.active_holds(session, at=moment)
        ]
        run = RetentionRun(
            id=uuid.uuid4(),
            dry_run=dry_run,
            status="running",
            started_by=started_by,
            actor_type=actor.kind,
            actor_id=actor.id,
            policy_sha256=policy.sha256,
            as_of=moment,
            started_at=utcnow(),
        )
        rows = []
        for position, item in enumerate(planned):
            row = RetentionRunCategory(
                id=uuid.uuid4(),
                position=position,
                category=item.rule.category,
                exception=item.rule.exception,
                sweeper=item.sweeper.name if item.sweeper else None,
                period=item.rule.period,
                trigger=item.rule.trigger,
                action=item.rule.action,
                candidates=0,
                deleted=0,
                anonymised=0,
                skipped_by_hold=0,
                errors=0,
                note=item.problem or item.note,
            )
            run.categories.append(row)
            rows.append(row.id)
        session.add(run)
        session.flush()
        run_id = run.id
    log.info("retention run %s started (%s, %d rule(s))", run_id, "dry run" if dry_run else "real", len(planned))
    sweep = _Sweep(runtime, units, run_id, moment, holds, dry_run, batch_size, actor)
    try:
        for item, row_id in zip(planned, rows, strict=True):
            sweep.rule(item, row_id)
    except BaseException as exc:
        with units() as session:
            session.execute(
                update(RetentionRun)
                .where(RetentionRun.id == run_id)
                .values(status="failed", finished_at=utcnow(), error=describe_error(exc)[:500])
            )
        raise
    with units() as session:
        totals = _totals(session, run_id)
        session.execute(
            update(RetentionRun).where(RetentionRun.id == run_id).values(status="completed", finished_at=utcnow())
        )
        record(
            session,
            AuditEntry(
                name="retention:run:completed",
                actor_type=actor.kind,
                actor_id=actor.id,
                purpose="legal_compliance",
                object_type="retention_run",
                object_id=str(run_id),
                details={"dry_run": dry_run, **totals},
            ),
        )
    log.info("retention run %s completed: %s", run_id, totals)
    return run_id


def _totals(session: Session, run_id: uuid.UUID) -> dict[str, int]:
    c = RetentionRunCategory
    row = session.execute(
        select(
            func.coalesce(func.sum(c.candidates), 0),
            func.coalesce(func.sum(c.deleted), 0),
            func.coalesce(func.sum(c.anonymised), 0),
            func.coalesce(func.sum(c.skipped_by_hold), 0),
            func.coalesce(func.sum(c.errors), 0),
        ).where(c.run_id == run_id)
    ).one()
    return dict(zip(("candidates", "deleted", "anonymised", "skipped_by_hold", "errors"), map(int, row), strict=True))


def _count(session: Session, sweeper: Sweeper, where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(sweeper.table).where(where)) or 0)


@dataclass
class _Sweep:
    runtime: Runtime
    units: UnitOfWork
    run_id: uuid.UUID
    now: datetime
    holds: list[HoldView]
    dry_run: bool
    batch_size: int
    actor: Actor

    def rule(self, item: PlannedSweep, row_id: uuid.UUID) -> None:
        if item.sweeper is None or item.problem is not None:
            return
        sweeper, rule = item.sweeper, item.rule
        cutoff = cutoff_for(Duration.parse(rule.period), self.now)
        expired = sweeper.triggers[Trigger(rule.trigger)](cutoff)
        base = expired if sweeper.pending is None else and_(expired, sweeper.pending)
        category_holds = [h for h in self.holds if h.scope == "category" and h.category == rule.category]
        row_holds = [(h, clause) for h in self.holds if (clause := self._hold_clause(sweeper, h)) is not None]
        with self.units() as session:
            candidates = _count(session, sweeper, base)
            held_by: dict[uuid.UUID, int] = {}
            if category_holds:
                held = candidates
                held_by = {h.id: candidates for h in category_holds} if candidates else {}
            else:
                for hold, clause in row_holds:
                    if n := _count(session, sweeper, and_(base, clause)):
                        held_by[hold.id] = n
                held = _count(session, sweeper, and_(base, or_(*(c for _, c in row_holds)))) if held_by else 0
            note = "the whole category is under a legal hold" if category_holds and candidates else None
            self._update(session, row_id, cutoff=cutoff, candidates=candidates, skipped_by_hold=held, note=note)
            session.add_all(RetentionRunHold(run_category_id=row_id, hold_id=k, rows=n) for k, n in held_by.items())
        if self.dry_run or category_holds or candidates == held:
            return
        eligible = and_(base, *self._not_held(sweeper))
        done, failures = self._batches(sweeper, rule, row_id, eligible)
        log.info(
            "retention %s by %s: %d candidate(s), %d %s, %d held, %d failed batch(es)",
            rule.label,
            sweeper.name,
            candidates,
            done,
            "deleted" if rule.action == "delete" else "anonymised",
            held,
            failures,
        )
        if done:
            with self.units() as session:
                record(
                    session,
                    AuditEntry(
                        name="retention:category:swept",
                        actor_type=self.actor.kind,
                        actor_id=self.actor.id,
                        purpose="legal_compliance",
                        object_type="retention_run",
                        object_id=str(self.run_id),
                        details={
                            "category": rule.category,
                            "exception": rule.exception,
                            "sweeper": sweeper.name,
                            "action": rule.action,
                            "rows": done,
                            "skipped_by_hold": held,
                        },
                    ),
                )

    def _batches(
        self, sweeper: Sweeper, rule: Rule, row_id: uuid.UUID, eligible: ColumnElement[bool]
    ) -> tuple[int, int]:
        """Walk the eligible rows in key order, one key range per transaction."""
        operation = sweeper.operation(rule.action)
        assert operation is not None
        counter = "deleted" if rule.action == "delete" else "anonymised"
        key = sweeper.key
        last: Any = None
        done = failures = 0
        while True:
            after = key > last if last is not None else true()
            with self.units() as session:
                # the key that closes a batch of `batch_size` rows; None when fewer remain
                boundary = session.scalar(
                    select(key).where(eligible, after).order_by(key).offset(self.batch_size - 1).limit(1)
                )
            rows = and_(eligible, after, key <= boundary) if boundary is not None else and_(eligible, after)
            try:
                with self.units() as session:
                    n = operation(SweepBatch(session, self.runtime, sweeper, rows, self.run_id, self.now, self.actor))
                    self._update(session, row_id, **{counter: getattr(RetentionRunCategory, counter) + n})
                done += n
            except Exception as exc:
                failures += 1
                error = describe_error(exc)
                log.warning("retention %s by %s: a batch failed with %s", rule.label, sweeper.name, error)
                with self.units() as session:
                    missed = _count(session, sweeper, rows)
                    note = f"{failures} batch(es) failed, last with {error}"
                    if failures >= MAX_FAILED_BATCHES:
                        note += "; the rest is left for the next run"
                    self._update(session, row_id, errors=RetentionRunCategory.errors + missed, note=note[:500])
                if failures >= MAX_FAILED_BATCHES:
                    return done, failures
            if boundary is None:
                return done, failures
            last = boundary

    def _hold_clause(self, sweeper: Sweeper, hold: HoldView) -> ColumnElement[bool] | None:
        if hold.scope == "tenant" and sweeper.tenant_column is not None:
            return cast("ColumnElement[bool]", sweeper.tenant_column == hold.tenant_id)
        if hold.scope == "subject" and hold.subject_id is not None and sweeper.subject_hold is not None:
            return sweeper.subject_hold([hold.subject_id])
        if hold.scope == "subject" and sweeper.subject_column is not None:
            return cast("ColumnElement[bool]", sweeper.subject_column == hold.subject_id)
        return None

    def _not_held(self, sweeper: Sweeper) -> list[ColumnElement[bool]]:
        clauses = []
        for scope, column in (("tenant", sweeper.tenant_column), ("subject", sweeper.subject_column)):
            ids = [h.tenant_id if scope == "tenant" else h.subject_id for h in self.holds if h.scope == scope]
            if scope == "subject" and sweeper.subject_hold is not None:
                if held := [i for i in ids if i is not None]:
                    clauses.append(not_(sweeper.subject_hold(held)))
            elif column is not None and ids:
                # a row with no tenant (or person) is under no such hold; NOT IN alone would drop it
                clauses.append(or_(column.is_(None), column.not_in(ids)))
        return clauses

    @staticmethod
    def _update(session: Session, row_id: uuid.UUID, **values: Any) -> None:
        session.execute(update(RetentionRunCategory).where(RetentionRunCategory.id == row_id).values(**values))
