"""Closing a business's account: billing closed at Stripe, the account marked closed, and what the policy keeps.

Closing starts every retention period that runs "after the business's account is
closed"; the retention sweeps then delete or anonymise each category when its period
ends, except what a legal exception keeps longer. `closing_terms` says all of that in
the policy's own words, for the page that asks an admin to confirm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.billing.config import BillingConfig
from omniwise.billing.gateway import StripeGateway
from omniwise.billing.schemas import CloseReport
from omniwise.billing.service import close_billing_account
from omniwise.keys import KeyRing
from omniwise.policy.model import Policy, Trigger
from omniwise.policy.notice import ACTION_WORDS, retention_sentence
from omniwise.tenants.models import Tenant
from omniwise.tenants.service import close_tenant, require
from omniwise.zendesk import repository as zendesk_repository
from omniwise.zendesk.connections import DISCONNECTED, disconnect_connection

# the clocks that closing starts, or that the end of the subscription (which closing brings) starts
STARTED_BY_CLOSING = frozenset({Trigger.ACCOUNT_CLOSED, Trigger.SUBSCRIPTION_ENDED})


@dataclass(frozen=True)
class ClosingTerm:
    """What happens to one category of information once the account is closed."""

    category: str
    name: str
    sentence: str
    starts_at_closing: bool
    kept_longer: list[str] = field(default_factory=list)


def closing_terms(policy: Policy) -> list[ClosingTerm]:
    """Every category with a retention rule, those whose clock closing starts first, in the policy's words."""
    terms = []
    for category in policy.categories:
        retention = category.retention
        if retention is None:
            continue
        kept = [
            f"{exception.applies_to[:1].upper()}{exception.applies_to[1:]}: kept for {exception.duration.words()} "
            f"{exception.trigger.plain}, then {ACTION_WORDS[exception.action]}, as required by "
            + exception.law.strip().rstrip(".")
            for exception in retention.exceptions
        ]
        terms.append(
            ClosingTerm(
                category=category.id,
                name=category.name,
                sentence=retention_sentence(retention),
                starts_at_closing=retention.trigger in STARTED_BY_CLOSING,
                kept_longer=kept,
            )
        )
    return sorted(terms, key=lambda term: not term.starts_at_closing)


@dataclass(frozen=True)
class ClosedAccount:
    tenant: Tenant
    billing: CloseReport
    zendesk_disconnected: int = 0


def close_account(
    session: Session,
    keyring: KeyRing,
    gateway: StripeGateway | None,
    *,
    config: BillingConfig,
    actor: Actor,
    tenant: Tenant,
) -> ClosedAccount:
    """Close the account, its billing and its Zendesk connections in one transaction.

    If Stripe refuses, nothing is closed. A closed business's Zendesk accounts are
    disconnected with it: their tokens go at once, and the mirror of its customers'
    data starts the policy's `integration_disconnected` clock, so the retention sweep
    deletes it instead of keeping it for as long as the database lives.
    """
    require(actor, Permission.TENANTS_CLOSE)
    closed = close_tenant(session, actor=actor, tenant=tenant)
    report = close_billing_account(session, keyring, gateway, config=config, tenant=closed, actor=actor)
    disconnected = 0
    for connection in zendesk_repository.list_connections(session, tenant_id=closed.id):
        if connection.status != DISCONNECTED:
            # everyone who may close an account may manage its Zendesk connections
            disconnect_connection(session, actor=actor, tenant=closed, connection_id=connection.id)
            disconnected += 1
    return ClosedAccount(closed, report, disconnected)
