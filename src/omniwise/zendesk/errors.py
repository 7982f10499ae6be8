"""Errors of the Zendesk integration, part of the platform's one exception tree.

    OmniwiseError
    └── ZendeskError                  502  Zendesk answered in a way we cannot use
        ├── ZendeskUnavailable        503  5xx or network failure after every retry
        ├── ZendeskAuthFailed         502  Zendesk refused our credentials
        ├── ZendeskNotFound           404  the record does not exist in Zendesk
        └── ZendeskRateLimited        429  refused, or a wait longer than the caller may sleep
            └── RateLimitDeferred     429  not sent: the caller should come back in `retry_after` seconds

Messages name the request's method, route and status, never a body or a query: those carry
personal data.
"""

from __future__ import annotations

from omniwise.errors import OmniwiseError


class ZendeskError(OmniwiseError):
    status_code = 502
    title = "Bad gateway"


class ZendeskUnavailable(ZendeskError):
    status_code = 503
    title = "Service unavailable"


class ZendeskAuthFailed(ZendeskError):
    pass


class ZendeskNotFound(ZendeskError):
    status_code = 404
    title = "Not found"


class ZendeskRateLimited(ZendeskError):
    status_code = 429
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: float) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, round(retry_after)))})
        self.retry_after = retry_after


class RateLimitDeferred(ZendeskRateLimited):
    """The request was not sent: a job holds it back rather than sleep through a long wait."""
