"""The Dramatiq broker of this process, its one actor, and sending a job's message.

Messages carry a job id and nothing else: the job's state lives in the database, so a
message lost, delivered twice or delivered late costs nothing but a lookup.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import dramatiq
from dramatiq.brokers.stub import StubBroker

from omniwise.config import Settings
from omniwise.runtime import Runtime
from omniwise.worker.errors import BrokerUnavailable

ACTOR_NAME = "omniwise.run_job"
REDIS_NAMESPACE = "omniwise"

log = logging.getLogger("omniwise.worker")


class InProcessBroker(StubBroker):
    """The embedded default: messages kept in memory, consumed by worker threads of the same process.

    Nothing survives a restart, which is why the embedded process re-sends every runnable
    job from the database when it starts.
    """


def create_broker(settings: Settings) -> dramatiq.Broker:
    """The broker `OMNIWISE_BROKER_URL` names, or the in-process one when it is unset.

    No middleware: retries, back-off and time limits are the job runner's business,
    decided from the database, so the broker never stores a traceback (which could quote
    a value) and never retries a message on its own.
    """
    url = settings.broker_url
    if url is None:
        return InProcessBroker(middleware=[])
    if url.startswith(("redis://", "rediss://")):
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(url=url, namespace=REDIS_NAMESPACE, middleware=[])  # type: ignore[no-untyped-call]
    from dramatiq.brokers.rabbitmq import RabbitmqBroker

    # confirmed delivery: a send that returns has reached the broker
    return RabbitmqBroker(url=url, middleware=[], confirm_delivery=True)


def describe_url(url: str | None) -> str:
    """The broker's address without credentials, for logs and messages."""
    if url is None:
        return "the in-process broker"
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def check_broker(broker: dramatiq.Broker, url: str | None) -> None:
    """Fail fast, in one line, when the broker does not answer."""
    if isinstance(broker, StubBroker):
        return
    from dramatiq.brokers.redis import RedisBroker

    try:
        if isinstance(broker, RedisBroker):
            broker.client.ping()
        else:
            from dramatiq.brokers.rabbitmq import RabbitmqBroker

            assert isinstance(broker, RabbitmqBroker)
            # opens this thread's connection, which the broker keeps and closes with itself
            assert broker.connection.is_open
    except Exception as exc:
        raise BrokerUnavailable(f"the broker at {describe_url(url)} does not answer ({type(exc).__name__})") from None


@dataclass(frozen=True)
class Binding:
    """What the actor needs in this process: the runtime, and where messages go."""

    runtime: Runtime
    broker: dramatiq.Broker
    actor: dramatiq.Actor[[str], None]


_binding: Binding | None = None
_bind_lock = threading.Lock()


def bind(runtime: Runtime, broker: dramatiq.Broker, fn: Callable[[str], None]) -> Binding:
    """Declare the actor on `broker` and make it this process's destination for job messages."""
    global _binding
    with _bind_lock:
        if _binding is not None:
            raise RuntimeError("the job machinery is already running in this process")
        actor: dramatiq.Actor[[str], None] = dramatiq.Actor(
            fn,
            broker=broker,
            actor_name=ACTOR_NAME,
            queue_name=runtime.settings.worker_queue,
            priority=0,
            options={},
        )
        _binding = Binding(runtime, broker, actor)
        return _binding


def unbind(binding: Binding) -> None:
    global _binding
    with _bind_lock:
        if _binding is binding:
            _binding = None


def current() -> Binding | None:
    return _binding


def send_job(job_id: uuid.UUID, *, delay_seconds: float = 0.0) -> bool:
    """Send the message that runs `job_id`; never raise, since the job is already safe in the database.

    A send that fails, or a process with no broker, leaves the job queued: the reconciler
    sends it later. Returns whether a message left.
    """
    binding = _binding
    if binding is None:
        log.info("job %s is queued; this process has no broker, so the reconciler will send it", job_id)
        return False
    delay = int(delay_seconds * 1000)
    try:
        binding.actor.send_with_options(args=(str(job_id),), delay=delay if delay > 0 else None)
    except Exception as exc:
        log.warning("could not send job %s (%s); the reconciler will send it again", job_id, type(exc).__name__)
        return False
    return True
