"""Errors of the job machinery; none of them carries an argument value."""

from __future__ import annotations

from omniwise.errors import Conflict, OmniwiseError, ServiceUnavailable


class UnknownJobHandler(OmniwiseError):
    """A job names a handler this process does not have (a typo, or an older release)."""

    status_code = 500
    title = "Unknown job handler"


class JobKeyConflict(Conflict):
    """An idempotency key is already taken by a job with another handler."""


class LeaseLost(OmniwiseError):
    """Another worker took the job over after this one's lease expired; this attempt must not commit."""

    status_code = 409
    title = "Lease lost"


class BrokerUnavailable(ServiceUnavailable):
    """The broker named by OMNIWISE_BROKER_URL does not answer."""
