"""Which Stripe gateway a runtime uses: chosen by settings, built once, replaceable in tests."""

from __future__ import annotations

import threading
import weakref

from omniwise.billing.errors import BillingNotConfigured
from omniwise.billing.gateway.base import StripeGateway
from omniwise.billing.gateway.memory import InMemoryStripeGateway
from omniwise.config import Settings
from omniwise.runtime import Runtime

NOT_CONFIGURED = (
    "billing is not configured: set OMNIWISE_STRIPE_API_KEY (and OMNIWISE_STRIPE_WEBHOOK_SECRET), "
    "or OMNIWISE_STRIPE_GATEWAY=memory to try billing without a Stripe account"
)

_lock = threading.Lock()
# keyed by id(runtime); the weak reference tells a live runtime from a new one at a recycled address
_gateways: dict[int, tuple[weakref.ref[Runtime], StripeGateway]] = {}


def is_configured(settings: Settings) -> bool:
    return settings.stripe_gateway == "memory" or settings.stripe_api_key is not None


def build_gateway(settings: Settings) -> StripeGateway:
    if settings.stripe_gateway == "memory":
        return InMemoryStripeGateway()
    if settings.stripe_api_key is None:
        raise BillingNotConfigured(NOT_CONFIGURED)
    # the `stripe` package takes a second or more to import: only processes that bill pay for it
    from omniwise.billing.gateway.stripe_api import StripeApiGateway

    return StripeApiGateway(
        settings.stripe_api_key.get_secret_value(),
        api_base=settings.stripe_api_base,
        timeout_seconds=settings.stripe_http_timeout_seconds,
    )


def _lookup(runtime: Runtime) -> StripeGateway | None:
    entry = _gateways.get(id(runtime))
    if entry is not None and entry[0]() is runtime:
        return entry[1]
    return None


def _store(runtime: Runtime, gateway: StripeGateway) -> None:
    key = id(runtime)
    _gateways[key] = (weakref.ref(runtime, lambda _ref: _gateways.pop(key, None)), gateway)


def install_gateway(runtime: Runtime, gateway: StripeGateway) -> None:
    """Use `gateway` for everything `runtime` does (requests and jobs)."""
    with _lock:
        _store(runtime, gateway)


def gateway_for(runtime: Runtime) -> StripeGateway:
    """The runtime's gateway, built from its settings on first use; BillingNotConfigured (503) without one."""
    with _lock:
        found = _lookup(runtime)
        if found is None:
            found = build_gateway(runtime.settings)
            _store(runtime, found)
        return found


def configured_gateway(runtime: Runtime) -> StripeGateway | None:
    """The runtime's gateway, or None when billing is not configured (for work that may not need Stripe)."""
    with _lock:
        found = _lookup(runtime)
    if found is None and not is_configured(runtime.settings):
        return None
    return found or gateway_for(runtime)
