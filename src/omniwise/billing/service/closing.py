"""Closing a tenant's billing: subscriptions canceled, the Stripe customer deleted, invoices kept restricted.

What the law requires is kept and nothing else: invoice records stay, restricted to a
privacy officer who states a reason, until the period the policy's `billing_details`
retention (its `tax_records` exception) sets, and are then deleted by the purge job.
The billing contact's details are erased by destroying their key, and the mirrored
subscriptions and the tenant's stored webhook events are deleted. Every Stripe call
carries an idempotency key of the tenant and the object, so closing again after a
failure repeats nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.billing import repository
from omniwise.billing.config import BillingConfig
from omniwise.billing.gateway import StripeGateway, idempotency_key
from omniwise.billing.models import AccountStatus
from omniwise.billing.schemas import CloseReport
from omniwise.billing.service.accounts import audit, need_gateway
from omniwise.billing.service.mirror import restrict_invoice, sync_customer
from omniwise.keys import KeyRing
from omniwise.kit.clock import utcnow
from omniwise.policy.binding import policy_for
from omniwise.subjects.service import erase_subject
from omniwise.tenants.models import Tenant
from omniwise.tenants.service import require


def close_billing_account(
    session: Session,
    keyring: KeyRing,
    gateway: StripeGateway | None,
    *,
    config: BillingConfig,
    tenant: Tenant,
    actor: Actor,
) -> CloseReport:
    """Close the tenant's billing; closing a closed account reports what was done and changes nothing."""
    require(actor, Permission.BILLING_MANAGE)
    policy = policy_for(session)
    account = repository.ensure_account(session, tenant_id=tenant.id)
    if account.status == AccountStatus.CLOSED:
        return _report(session, tenant, account.closed_at or utcnow(), canceled=0, deleted=False, erased=False)
    now = utcnow()
    canceled = 0
    deleted = False
    customer_id = account.stripe_customer_id
    if customer_id is not None:
        stripe = need_gateway(gateway)
        # every invoice Stripe has is mirrored first: the tax records must be complete
        sync_customer(session, stripe, config=config, policy=policy, account=account)
        for subscription in stripe.list_subscriptions(customer_id=customer_id):
            stripe.cancel_subscription(
                subscription_id=subscription.id,
                idempotency_key=idempotency_key(tenant.id, "subscription.cancel", subscription.id),
            )
            canceled += 1
        deleted = stripe.delete_customer(
            customer_id=customer_id, idempotency_key=idempotency_key(tenant.id, "customer.delete", customer_id)
        )
        account.customer_deleted_at = now
    account.status = AccountStatus.CLOSED
    account.closed_at = now
    for row in repository.invoices(session, tenant_id=tenant.id):
        if row.restricted_at is None:
            restrict_invoice(row, policy=policy, closed_at=now)
    repository.delete_subscriptions(session, tenant_id=tenant.id)
    # the stored events were applied; their figures now live only in the restricted records
    repository.delete_events(session, tenant_id=tenant.id)
    erased = False
    contact = repository.contact(session, tenant_id=tenant.id)
    if contact is not None:
        erase_subject(
            session, keyring, tenant_id=tenant.id, subject_id=contact.subject_id, actor=actor, purpose="billing"
        )
        erased = True
    session.flush()
    report = _report(session, tenant, now, canceled=canceled, deleted=deleted, erased=erased)
    audit(
        session,
        actor,
        tenant,
        "billing:account:closed",
        object_type="billing_account",
        object_id=str(account.id),
        details={
            "stripe_customer": customer_id,
            "subscriptions_canceled": canceled,
            "customer_deleted": deleted,
            "details_erased": erased,
            "invoices_restricted": report.invoices_restricted,
        },
    )
    return report


def _report(
    session: Session, tenant: Tenant, closed_at: datetime, *, canceled: int, deleted: bool, erased: bool
) -> CloseReport:
    kept = [row.delete_after for row in repository.invoices(session, tenant_id=tenant.id) if row.delete_after]
    return CloseReport(
        tenant_id=tenant.id,
        closed_at=closed_at,
        subscriptions_canceled=canceled,
        customer_deleted=deleted,
        details_erased=erased,
        invoices_restricted=len(kept),
        delete_after_earliest=min(kept, default=None),
        delete_after_latest=max(kept, default=None),
    )
