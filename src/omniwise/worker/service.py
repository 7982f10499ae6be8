"""Enqueueing jobs: the row joins the caller's transaction, the message leaves only after commit."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from omniwise.db import after_commit
from omniwise.errors import NotFound, ValidationFailed
from omniwise.kit.clock import utcnow
from omniwise.worker import broker
from omniwise.worker.errors import JobKeyConflict
from omniwise.worker.models import Job, JobStatus
from omniwise.worker.registry import get_handler

JobArg = str | int | float | bool | uuid.UUID | None
JobArgs = Mapping[str, JobArg | Sequence[JobArg]]

ARG_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
# arguments are ids, cursors and flags; a longer string is almost certainly content, which stays in its table
MAX_STRING_ARG = 200
MAX_LIST_ARG = 1000
MAX_KEY = 200


def enqueue(
    session: Session,
    name: str,
    *,
    args: JobArgs,
    key: str | None = None,
    tenant_id: uuid.UUID | None = None,
    run_after: datetime | None = None,
    max_attempts: int | None = None,
) -> Job:
    """Queue the job `name` in the caller's transaction; its message is sent once that commits.

    A rollback drops both the row and the message. With `key`, a job already queued under
    that key is returned instead of a second one. `args` hold ids, never personal data:
    the handler reads what it needs from the database.
    """
    spec = get_handler(name)
    stored_args = _validate_args(args)
    if key is not None and not 1 <= len(key) <= MAX_KEY:
        raise ValidationFailed(f"key: an idempotency key has 1 to {MAX_KEY} characters")
    if run_after is not None and run_after.tzinfo is None:
        raise ValidationFailed("run_after: must be timezone-aware")
    attempts_allowed = spec.max_attempts if max_attempts is None else max_attempts
    if not 1 <= attempts_allowed <= 100:
        raise ValidationFailed("max_attempts: must be between 1 and 100")

    if key is not None:
        existing = _by_key(session, key)
        if existing is not None:
            return _same_job(existing, name, key)
    now = utcnow()
    due = run_after if run_after is not None and run_after > now else now
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "name": name,
        "args": stored_args,
        "status": JobStatus.QUEUED.value,
        "attempts": 0,
        "max_attempts": attempts_allowed,
        "run_after": due,
        "sent_at": now,
        "idempotency_key": key,
        "tenant_id": tenant_id,
        "created_at": now,
    }
    # ON CONFLICT: a concurrent transaction inserting the same key makes this one wait for it
    # and then find its row, rather than fail
    dialect = session.get_bind().dialect.name
    insert = pg_insert(Job) if dialect == "postgresql" else sqlite_insert(Job)
    session.execute(insert.values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"]))
    job = session.get(Job, values["id"])
    if job is None:
        assert key is not None
        existing = _by_key(session, key)
        assert existing is not None, "a conflicting key whose job is not visible"
        return _same_job(existing, name, key)
    job_id, delay = job.id, (due - now).total_seconds()
    after_commit(session, lambda: _send(job_id, delay))
    return job


def get_job(session: Session, *, job_id: uuid.UUID) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    return job


def _send(job_id: uuid.UUID, delay: float) -> None:
    broker.send_job(job_id, delay_seconds=delay)


def _by_key(session: Session, key: str) -> Job | None:
    return session.scalars(select(Job).where(Job.idempotency_key == key)).one_or_none()


def _same_job(existing: Job, name: str, key: str) -> Job:
    if existing.name != name:
        raise JobKeyConflict(f"key: the idempotency key is already used by a job of another kind ({existing.name})")
    return existing


def _validate_args(args: JobArgs) -> dict[str, Any]:
    stored: dict[str, Any] = {}
    for arg_name, value in args.items():
        if not isinstance(arg_name, str) or not ARG_NAME.match(arg_name):
            raise ValidationFailed("args: argument names are lower-case identifiers")
        if isinstance(value, list | tuple):
            if len(value) > MAX_LIST_ARG:
                raise ValidationFailed(f"args.{arg_name}: at most {MAX_LIST_ARG} items")
            stored[arg_name] = [_scalar(arg_name, item) for item in value]
        else:
            stored[arg_name] = _scalar(arg_name, value)
    return stored


def _scalar(arg_name: str, value: object) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        if len(value) > MAX_STRING_ARG:
            raise ValidationFailed(f"args.{arg_name}: strings are ids of at most {MAX_STRING_ARG} characters")
        return value
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationFailed(f"args.{arg_name}: must be a finite number")
    if value is None or isinstance(value, bool | int | float):
        return value
    raise ValidationFailed(f"args.{arg_name}: must be a string, number, boolean, UUID or null, or a list of them")
