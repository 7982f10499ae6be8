"""Billing details (notice 7a): read and corrected by the tenant, sealed per person, pushed to Stripe through the gate.

The billing name and email are contact information, the address is a billing detail;
all three are encrypted under the billing contact's own key, so erasing that person
crypto-shreds them. A correction is stored at once and sent to Stripe by a job, after the
disclosure gate has allowed and recorded it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.billing import repository
from omniwise.billing.config import BillingConfig
from omniwise.billing.entitlements import current_subscription
from omniwise.billing.gateway import Address as StripeAddress
from omniwise.billing.gateway import CustomerDetails, StripeGateway, idempotency_key
from omniwise.billing.models import AccountStatus, BillingContact
from omniwise.billing.schemas import (
    Address,
    BillingDetailsRead,
    BillingDetailsUpdate,
    BillingRead,
    SubscriptionRead,
)
from omniwise.billing.service.accounts import audit, ensure_customer, queue_push
from omniwise.disclosures.service import disclose
from omniwise.errors import Conflict
from omniwise.keys import KeyRing
from omniwise.policy.binding import policy_for
from omniwise.policy.enforcement import require_purpose
from omniwise.policy.purposes import Purpose
from omniwise.subjects.service import create_subject
from omniwise.tenants.models import Tenant
from omniwise.tenants.service import require

TABLE = "billing_contacts"
CATEGORY_OF = {"name": "contact_information", "email": "contact_information", "address": "billing_details"}
CATEGORIES = sorted(set(CATEGORY_OF.values()))
STRIPE = "stripe"


def _check_purpose(session: Session, actor: Actor, tenant: Tenant, purpose: Purpose) -> None:
    policy = policy_for(session)
    for category in CATEGORIES:
        require_purpose(session, policy, category=category, purpose=purpose, actor=actor, tenant_id=tenant.id)


def _open(keyring: KeyRing, contact: BillingContact) -> BillingDetailsRead:
    cipher = keyring.cipher(contact.tenant_id, contact.subject_id)

    def field(name: str) -> str | None:
        return cipher.open_optional(getattr(contact, f"{name}_ct"), table=TABLE, column=name, row_id=contact.id)

    address = field("address")
    return BillingDetailsRead(
        name=field("name"),
        email=field("email"),
        address=Address.model_validate(json.loads(address)) if address else None,
    )


def _subscription_read(session: Session, tenant: Tenant) -> SubscriptionRead | None:
    row = current_subscription(session, tenant_id=tenant.id)
    if row is None:
        return None
    return SubscriptionRead(
        stripe_subscription_id=row.stripe_subscription_id,
        plan=row.plan,
        status=row.status,
        current_period_start=row.current_period_start,
        current_period_end=row.current_period_end,
        cancel_at_period_end=row.cancel_at_period_end,
        canceled_at=row.canceled_at,
        ended_at=row.ended_at,
    )


def _account_status(session: Session, tenant: Tenant) -> Literal["none", "active", "closed"]:
    account = repository.account(session, tenant_id=tenant.id)
    return "none" if account is None else "closed" if account.status == AccountStatus.CLOSED else "active"


@dataclass(frozen=True)
class BillingStatus:
    """The account's state and its subscription: what staff see in a list of businesses."""

    account_status: Literal["none", "active", "closed"]
    subscription: SubscriptionRead | None


def billing_status(session: Session, *, actor: Actor, tenant: Tenant) -> BillingStatus:
    """The state of the tenant's billing; the billing contact's details are not read (nothing personal)."""
    require(actor, Permission.BILLING_READ)
    return BillingStatus(_account_status(session, tenant), _subscription_read(session, tenant))


def _billing_read(session: Session, keyring: KeyRing, tenant: Tenant) -> BillingRead:
    account = repository.account(session, tenant_id=tenant.id)
    contact = repository.contact(session, tenant_id=tenant.id)
    return BillingRead(
        tenant_id=tenant.id,
        account_status=_account_status(session, tenant),
        stripe_customer_id=account.stripe_customer_id if account is not None else None,
        details=_open(keyring, contact) if contact is not None else None,
        details_synced=contact is None or contact.pushed_version == contact.version,
        subscription=_subscription_read(session, tenant),
    )


def read_billing(
    session: Session,
    keyring: KeyRing,
    *,
    actor: Actor,
    tenant: Tenant,
    purpose: Purpose = Purpose.BILLING,
) -> BillingRead:
    """The tenant's billing details, subscription and account state (the right of access, notice 7a)."""
    require(actor, Permission.BILLING_READ)
    _check_purpose(session, actor, tenant, purpose)
    result = _billing_read(session, keyring, tenant)
    contact = repository.contact(session, tenant_id=tenant.id)
    if contact is not None:
        audit(session, actor, tenant, "billing:details:read", object_type="billing_contact", object_id=str(contact.id))
    return result


def correct_billing_details(
    session: Session,
    keyring: KeyRing,
    *,
    config: BillingConfig,
    actor: Actor,
    tenant: Tenant,
    data: BillingDetailsUpdate,
    purpose: Purpose = Purpose.BILLING,
) -> BillingRead:
    """Store a correction at once; a job pushes it to Stripe when billing is configured (notice 7a)."""
    require(actor, Permission.BILLING_MANAGE)
    _check_purpose(session, actor, tenant, purpose)
    account = repository.ensure_account(session, tenant_id=tenant.id)
    if account.status == AccountStatus.CLOSED:
        raise Conflict(f"the billing account of tenant {tenant.id} is closed")
    changes = data.model_dump(exclude_unset=True)
    contact = repository.contact(session, tenant_id=tenant.id)
    if not changes:
        return _billing_read(session, keyring, tenant)
    if contact is None:
        subject, _ = create_subject(session, keyring, tenant_id=tenant.id, kind="billing_contact")
        contact = BillingContact(id=uuid.uuid4(), tenant_id=tenant.id, subject_id=subject.id, version=0)
        session.add(contact)
    cipher = keyring.cipher(tenant.id, contact.subject_id)
    for name in changes:
        value = getattr(data, name)
        text = value.model_dump_json() if isinstance(value, Address) else value
        setattr(contact, f"{name}_ct", cipher.seal_optional(text, table=TABLE, column=name, row_id=contact.id))
    contact.version = (contact.version or 0) + 1
    session.flush()
    audit(
        session,
        actor,
        tenant,
        "billing:details:corrected",
        object_type="billing_contact",
        object_id=str(contact.id),
        details={"fields": sorted(changes), "version": contact.version},
    )
    if config.gateway_configured:
        queue_push(session, tenant=tenant, version=contact.version, actor=actor)
    return _billing_read(session, keyring, tenant)


def push_billing_details(
    session: Session,
    keyring: KeyRing,
    gateway: StripeGateway,
    *,
    tenant: Tenant,
    version: int,
    actor: Actor,
) -> bool:
    """Send version `version` of the billing details to Stripe; whether anything was sent.

    The disclosure gate allows and records the send first, in the same transaction: if the
    send fails, the record rolls back with it and the retried job records it again. A
    version that Stripe already has, or that a newer correction replaced, sends nothing.
    """
    account = repository.ensure_account(session, tenant_id=tenant.id)
    contact = repository.contact(session, tenant_id=tenant.id)
    if account.status == AccountStatus.CLOSED or contact is None or contact.version != version:
        return False
    if contact.pushed_version == version:
        return False
    customer_id = ensure_customer(session, gateway, account=account, tenant=tenant, actor=actor)
    disclose(
        session,
        policy_for(session),
        tenant=tenant,
        recipient_id=STRIPE,
        categories=CATEGORIES,
        purpose=Purpose.BILLING.value,
        actor=actor,
        subject_id=contact.subject_id,
        reference=customer_id,
    )
    opened = _open(keyring, contact)
    address = opened.address
    details = CustomerDetails(
        name=opened.name,
        email=opened.email,
        address=StripeAddress(**address.model_dump()) if address is not None else None,
    )
    gateway.update_customer_details(
        customer_id=customer_id,
        details=details,
        idempotency_key=idempotency_key(tenant.id, "customer.update", customer_id, f"v{version}"),
    )
    contact.pushed_version = version
    session.flush()
    return True
