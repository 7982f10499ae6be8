"""Billing errors; none quotes a value Stripe or the caller sent.

OmniwiseError
├── SubscriptionRequired (402)     a feature needs a subscription in good standing
├── StripeRejected (502)           Stripe refused a request
└── ServiceUnavailable (503)
    ├── StripeUnavailable          Stripe did not answer
    └── BillingNotConfigured       a Stripe setting is missing; the detail names the variable
"""

from __future__ import annotations

from omniwise.errors import OmniwiseError, ServiceUnavailable


class SubscriptionRequired(OmniwiseError):
    status_code = 402
    title = "Payment required"


class StripeRejected(OmniwiseError):
    """Stripe answered with an error; the detail names the operation and Stripe's error code, not its message."""

    status_code = 502
    title = "Bad gateway"

    def __init__(self, detail: str, *, http_status: int | None = None, code: str | None = None) -> None:
        super().__init__(detail)
        self.http_status = http_status
        self.code = code


class StripeUnavailable(ServiceUnavailable):
    """Stripe could not be reached, or answered with a server error."""


class BillingNotConfigured(ServiceUnavailable):
    """A Stripe setting (API key, webhook secret, prices) is missing."""
