"""Background jobs: durable state in the `jobs` table, Dramatiq to deliver them, a reconciler for the lost ones.

    @job_handler("audit.verify_chain")
    def verify(ctx: JobContext) -> None: ...

    enqueue(session, "audit.verify_chain", args={}, key="audit-verify-2024-07-19")

Embedded default: an in-process broker and worker threads inside `omniwise serve`.
Production: `omniwise worker` processes on the Redis or RabbitMQ broker of OMNIWISE_BROKER_URL.
"""

from omniwise.worker.errors import BrokerUnavailable, JobKeyConflict, LeaseLost, UnknownJobHandler
from omniwise.worker.models import Job, JobStatus
from omniwise.worker.registry import JobContext, job_handler
from omniwise.worker.service import enqueue, get_job

__all__ = [
    "BrokerUnavailable",
    "Job",
    "JobContext",
    "JobKeyConflict",
    "JobStatus",
    "LeaseLost",
    "UnknownJobHandler",
    "enqueue",
    "get_job",
    "job_handler",
]
