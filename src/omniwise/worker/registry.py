"""Job handlers by name: `@job_handler("audit.verify_chain")`, and the context they receive."""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Concatenate, TypeVar

from sqlalchemy.orm import Session

from omniwise.runtime import Runtime
from omniwise.worker.errors import UnknownJobHandler
from omniwise.worker.models import Job

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass(frozen=True)
class JobContext:
    """What a handler works with. The runner commits `session` together with the job's success."""

    session: Session
    runtime: Runtime
    job: Job


JobHandler = Callable[Concatenate[JobContext, ...], None]
H = TypeVar("H", bound=JobHandler)


@dataclass(frozen=True)
class HandlerSpec:
    name: str
    fn: JobHandler
    max_attempts: int
    backoff_seconds: float
    max_backoff_seconds: float
    lease_seconds: float

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before the attempt after `attempt`: doubling, capped."""
        return float(min(self.backoff_seconds * 2 ** max(attempt - 1, 0), self.max_backoff_seconds))


_handlers: dict[str, HandlerSpec] = {}
_loaded = False
_load_lock = threading.Lock()


def job_handler(
    name: str,
    *,
    max_attempts: int = 5,
    backoff_seconds: float = 10.0,
    max_backoff_seconds: float = 3600.0,
    lease_seconds: float = 300.0,
) -> Callable[[H], H]:
    """Register `fn(ctx, **args)` as the handler of jobs named `name` (dotted, `domain.action`).

    `lease_seconds` bounds one attempt: a job still running after it is presumed to have
    lost its worker, and the reconciler hands it to another.
    """
    if not NAME_PATTERN.match(name):
        raise ValueError(f"job handler name {name!r} is not dotted lower-case, like 'audit.verify_chain'")
    if not 1 <= max_attempts <= 100:
        raise ValueError(f"job handler {name!r}: max_attempts must be between 1 and 100")
    if backoff_seconds < 0 or max_backoff_seconds < backoff_seconds or lease_seconds <= 0:
        raise ValueError(f"job handler {name!r}: backoff and lease must be positive, the cap above the base")

    def register(fn: H) -> H:
        existing = _handlers.get(name)
        if existing is not None and existing.fn is not fn:
            raise ValueError(f"job handler {name!r} is registered twice")
        _handlers[name] = HandlerSpec(name, fn, max_attempts, backoff_seconds, max_backoff_seconds, lease_seconds)
        return fn

    return register


def get_handler(name: str) -> HandlerSpec:
    load_handlers()
    try:
        return _handlers[name]
    except KeyError:
        raise UnknownJobHandler(f"no job handler is registered under the name {name!r}") from None


def handler_names() -> list[str]:
    load_handlers()
    return sorted(_handlers)


def load_handlers() -> None:
    """Import every domain's `tasks` module, where handlers live, once per process.

    Found on disk rather than listed, so that a new domain's jobs are known to every
    process without anyone editing a shared list.
    """
    global _loaded
    if _loaded:
        return
    with _load_lock:
        if _loaded:
            return
        package = Path(__file__).resolve().parent.parent
        for tasks in sorted(package.glob("*/tasks.py")):
            importlib.import_module(f"omniwise.{tasks.parent.name}.tasks")
        _loaded = True
