"""Billing jobs: processing a stored Stripe event, pushing billing details to Stripe, deleting an expired customer."""

from __future__ import annotations

import uuid

from omniwise.auth.actor import SYSTEM, Actor
from omniwise.billing import service
from omniwise.billing.config import BillingConfig
from omniwise.billing.gateway import gateway_for
from omniwise.tenants import repository as tenants
from omniwise.worker import JobContext, job_handler


@job_handler("billing.process_event", max_attempts=8, backoff_seconds=5.0)
def process_event(ctx: JobContext, event_id: str) -> None:
    service.process_event(
        ctx.session,
        lambda: gateway_for(ctx.runtime),
        config=BillingConfig.from_settings(ctx.runtime.settings),
        event_id=uuid.UUID(event_id),
    )


@job_handler("billing.push_details", max_attempts=8, backoff_seconds=10.0)
def push_details(ctx: JobContext, tenant_id: str, version: int, actor_type: str, actor_id: str) -> None:
    tenant = tenants.get(ctx.session, uuid.UUID(tenant_id))
    if tenant is None:
        return  # the tenant is gone, and its billing details with it
    service.push_billing_details(
        ctx.session,
        ctx.runtime.keyring,
        gateway_for(ctx.runtime),
        tenant=tenant,
        version=version,
        # the admin who made the correction is named in the disclosure record, not the job
        actor=Actor(kind=actor_type, id=actor_id, role=None, tenant_id=tenant.id),
    )


@job_handler("billing.delete_customer", max_attempts=8, backoff_seconds=60.0)
def delete_customer(ctx: JobContext, tenant_id: str, customer_id: str) -> None:
    """The Stripe customer of billing details past their period (queued by the `billing.customers` sweeper)."""
    service.delete_expired_customer(
        ctx.session, gateway_for(ctx.runtime), tenant_id=uuid.UUID(tenant_id), customer_id=customer_id, actor=SYSTEM
    )
