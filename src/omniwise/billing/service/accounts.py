"""A tenant's billing account and its Stripe customer, created once whatever retries."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import Actor
from omniwise.billing import repository
from omniwise.billing.errors import BillingNotConfigured
from omniwise.billing.gateway import StripeGateway, idempotency_key
from omniwise.billing.gateway.registry import NOT_CONFIGURED
from omniwise.billing.models import AccountStatus, BillingAccount
from omniwise.errors import Conflict
from omniwise.kit.clock import utcnow
from omniwise.tenants.models import Tenant
from omniwise.worker import enqueue

PUSH_JOB = "billing.push_details"


def need_gateway(gateway: StripeGateway | None) -> StripeGateway:
    """The gateway, or the 503 that says which variable to set."""
    if gateway is None:
        raise BillingNotConfigured(NOT_CONFIGURED)
    return gateway


def open_account(session: Session, *, tenant: Tenant) -> BillingAccount:
    """The tenant's account, locked for this transaction; 409 once it is closed."""
    account = repository.ensure_account(session, tenant_id=tenant.id)
    if account.status == AccountStatus.CLOSED:
        raise Conflict(f"the billing account of tenant {tenant.id} is closed")
    return account


def audit(
    session: Session,
    actor: Actor,
    tenant: Tenant,
    name: str,
    *,
    object_type: str,
    object_id: str,
    details: dict[str, object] | None = None,
) -> None:
    record(
        session,
        AuditEntry(
            name=name,
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=tenant.id,
            purpose="billing",
            object_type=object_type,
            object_id=object_id,
            details=dict(details or {}),
        ),
    )


def push_job_key(tenant: Tenant, version: int) -> str:
    return f"billing.push_details:{tenant.id}:{version}"


def queue_push(session: Session, *, tenant: Tenant, version: int, actor: Actor) -> None:
    """Send billing details version `version` to Stripe in a job (ids only in its arguments)."""
    enqueue(
        session,
        PUSH_JOB,
        args={"tenant_id": tenant.id, "version": version, "actor_type": actor.kind, "actor_id": actor.id},
        key=push_job_key(tenant, version),
        tenant_id=tenant.id,
    )


def ensure_customer(
    session: Session, gateway: StripeGateway, *, account: BillingAccount, tenant: Tenant, actor: Actor
) -> str:
    """The tenant's Stripe customer id, creating the customer on first need.

    The idempotency key is the tenant's and the operation's, nothing else: a request or
    job that created the customer and then failed to commit gets the same customer back
    when it runs again, never a second one. A customer carries only the tenant's id; the
    billing details follow through the disclosure gate, in a job.
    """
    if account.stripe_customer_id is not None:
        return account.stripe_customer_id
    # a customer the retention sweep deleted is followed by a new one, under a key of its own
    generation = [int(account.customer_deleted_at.timestamp())] if account.customer_deleted_at else []
    customer_id = gateway.create_customer(
        tenant_id=tenant.id, idempotency_key=idempotency_key(tenant.id, "customer.create", *generation)
    )
    account.stripe_customer_id = customer_id
    account.customer_created_at = utcnow()
    account.customer_deleted_at = None
    session.flush()
    audit(session, actor, tenant, "billing:customer:created", object_type="stripe_customer", object_id=customer_id)
    contact = repository.contact(session, tenant_id=tenant.id)
    if contact is not None and contact.pushed_version != contact.version:
        queue_push(session, tenant=tenant, version=contact.version, actor=actor)
    return customer_id


def delete_expired_customer(
    session: Session, gateway: StripeGateway | None, *, tenant_id: uuid.UUID, customer_id: str, actor: Actor
) -> bool:
    """Delete at Stripe a customer whose billing details the retention sweep erased; whether Stripe had it.

    The sweep has already cut the account's link to it (ids only in this job's arguments);
    repeating this after a failure sends the same idempotent request.
    """
    stripe = need_gateway(gateway)
    deleted = stripe.delete_customer(
        customer_id=customer_id, idempotency_key=idempotency_key(tenant_id, "customer.delete", customer_id)
    )
    record(
        session,
        AuditEntry(
            name="billing:customer:deleted",
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=tenant_id,
            purpose="legal_compliance",
            object_type="stripe_customer",
            object_id=customer_id,
            details={"reason": "retention", "stripe_had_it": deleted},
        ),
    )
    return deleted
