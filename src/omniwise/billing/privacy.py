"""What billing contributes to privacy requests (Omni Wise is the controller).

The person is a business's billing contact: their name and email (contact information)
and the billing address (billing details) are sealed under their own key. Card data
never touches the platform, so none is found, exported or deleted here.

- **Access**: the billing details, the Stripe customer id and the invoice records (numbers,
  amounts, states and dates) of the business whose billing contact they are.
- **Deletion**: the details are cleared at Stripe (the customer stays, without them, while
  the business is billed: the contract is the business's), then the billing contact is
  crypto-shredded here. Invoices are kept, as the policy's `tax_records` exception
  requires, and restricted (out of everyday reach, their hosted link dropped, since
  Stripe's invoice shows the person's details) until the date that exception gives.
- **Correction**: through `correct_billing_details`, then pushed to Stripe now with
  `push_billing_details` (disclosure gate, recorded): Article 19, the recipient is told.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.billing import repository
from omniwise.billing.config import BillingConfig
from omniwise.billing.gateway import CustomerDetails, configured_gateway, idempotency_key
from omniwise.billing.models import AccountStatus, BillingContact, BillingInvoice
from omniwise.billing.retention import CATEGORY as BILLING_DETAILS
from omniwise.billing.retention import EXCEPTION as TAX_RECORDS
from omniwise.billing.schemas import BillingDetailsUpdate
from omniwise.billing.service.accounts import need_gateway
from omniwise.billing.service.details import correct_billing_details, push_billing_details, read_billing
from omniwise.billing.service.mirror import restrict_invoice
from omniwise.errors import NotFound
from omniwise.keys import KeyDestroyed
from omniwise.kit.clock import utcnow
from omniwise.policy.binding import policy_for
from omniwise.policy.enforcement import require_purpose
from omniwise.policy.model import Policy
from omniwise.policy.purposes import Purpose
from omniwise.privacy.contract import (
    ExportSection,
    Holding,
    Outcome,
    StepContext,
    SubjectRole,
    checked_changes,
    contribution,
    iso,
    record_schema,
)
from omniwise.subjects.service import erase_subject
from omniwise.tenants.models import Tenant

NAME = "billing"
CONTACT_INFORMATION = "contact_information"
WHERE = "platform database"
STRIPE = "Stripe"
TABLE = "billing_contacts"
CONTACT_KEY = "contact:"
INVOICES_KEY = "invoices:"
LABELS = {
    "name": "Billing name",
    "email": "Billing email address",
    "address_line1": "Billing address: first line",
    "address_line2": "Billing address: second line",
    "address_city": "Billing address: town or city",
    "address_postal_code": "Billing address: postal code",
    "address_state": "Billing address: state or region",
    "address_country": "Billing address: country (two letters, such as DE)",
}
ADDRESS_PREFIX = "address_"

DETAILS_SCHEMA = record_schema(
    "Billing details of a business, held with you as its billing contact",
    {
        "tenant_id": ("string", False),
        "name": ("string", True),
        "email": ("string", True),
        "address_line1": ("string", True),
        "address_line2": ("string", True),
        "address_city": ("string", True),
        "address_postal_code": ("string", True),
        "address_state": ("string", True),
        "address_country": ("string", True),
        "stripe_customer_id": ("string", True),
        "account_status": ("string", False),
        "sent_to_stripe": ("boolean", False),
    },
)
INVOICES_SCHEMA = record_schema(
    "An invoice record (no card data: cards are entered with Stripe only)",
    {
        "tenant_id": ("string", False),
        "stripe_invoice_id": ("string", False),
        "number": ("string", True),
        "currency": ("string", False),
        "amount_due": ("integer", False),
        "amount_paid": ("integer", False),
        "total": ("integer", False),
        "status": ("string", True),
        "issued_at": ("string", False),
        "due_at": ("string", True),
        "paid_at": ("string", True),
        "period_start": ("string", True),
        "period_end": ("string", True),
        "restricted": ("boolean", False),
        "delete_after": ("string", True),
    },
)


def _tenant(session: Session, tenant_id: uuid.UUID | None) -> Tenant:
    tenant = session.get(Tenant, tenant_id) if tenant_id is not None else None
    if tenant is None:
        raise NotFound(f"tenant {tenant_id} does not exist")
    return tenant


def _check(ctx: StepContext, tenant_id: uuid.UUID) -> None:
    for category in (BILLING_DETAILS, CONTACT_INFORMATION):
        require_purpose(
            ctx.session,
            policy_for(ctx.session),
            category=category,
            purpose=ctx.purpose,
            actor=ctx.actor,
            tenant_id=tenant_id,
        )


def _email_of(ctx: StepContext, contact: BillingContact) -> str | None:
    try:
        cipher = ctx.runtime.keyring.cipher(contact.tenant_id, contact.subject_id)
    except KeyDestroyed:
        return None  # shredded by an erasure whose deletes are still to come
    return cipher.open_optional(contact.email_ct, table=TABLE, column="email", row_id=contact.id)


def _contact(session: Session, holding: Holding) -> BillingContact | None:
    """The holding's billing contact, if it is still the business's billing contact."""
    assert holding.tenant_id is not None
    contact = repository.contact(session, tenant_id=holding.tenant_id)
    if contact is None or f"{CONTACT_KEY}{contact.id}" != holding.key:
        return None
    return contact


def _audit(ctx: StepContext, holding: Holding, action: str, **details: object) -> None:
    record(
        ctx.session,
        AuditEntry(
            name=f"privacy:billing:{action}",
            actor_type=ctx.actor.kind,
            actor_id=ctx.actor.id,
            tenant_id=holding.tenant_id,
            purpose=ctx.purpose,
            object_type="billing_holding",
            object_id=holding.key,
            subject_id=holding.subject_id,
            details={"request_id": str(ctx.request_id), **details},
        ),
    )


def tax_exception(policy: Policy) -> tuple[str, str]:
    """(reason, id) of what keeps invoice records: the policy's legal exception, in its own words."""
    category = policy.categories_by_id[BILLING_DETAILS]
    assert category.retention is not None
    for exception in category.retention.exceptions:
        if exception.id == TAX_RECORDS:
            return f"{exception.applies_to} are kept by law: {exception.law}", f"{BILLING_DETAILS}.{TAX_RECORDS}"
    return f"kept for the retention period of {BILLING_DETAILS}", BILLING_DETAILS


def _invoice_record(row: BillingInvoice) -> dict[str, Any]:
    return {
        "tenant_id": str(row.tenant_id),
        "stripe_invoice_id": row.stripe_invoice_id,
        "number": row.number,
        "currency": row.currency,
        "amount_due": row.amount_due,
        "amount_paid": row.amount_paid,
        "total": row.total,
        "status": row.status,
        "issued_at": iso(row.issued_at),
        "due_at": iso(row.due_at),
        "paid_at": iso(row.paid_at),
        "period_start": iso(row.period_start),
        "period_end": iso(row.period_end),
        "restricted": row.restricted_at is not None,
        "delete_after": iso(row.delete_after),
    }


def validated_changes(changes: Mapping[str, str]) -> BillingDetailsUpdate:
    """The requested billing changes, validated by the billing API's own schema (422 names the field).

    The address is asked for line by line (`address_line1`, `address_country`, ...), as a
    form would; a new address replaces the old one whole, so it needs at least its first
    line and country, as at Stripe.
    """
    wanted: dict[str, Any] = {key: changes[key] for key in ("name", "email") if key in changes}
    address = {
        key.removeprefix(ADDRESS_PREFIX): value
        for key, value in changes.items()
        if key.startswith(ADDRESS_PREFIX) and key in LABELS
    }
    if address:
        wanted["address"] = address
    return checked_changes(BillingDetailsUpdate, wanted)


@contribution
class BillingContribution:
    """A business's billing contact (name, email, address), its Stripe customer and its invoice records."""

    name = NAME

    def locate(self, ctx: StepContext, *, email: str, tenant_id: uuid.UUID | None) -> list[Holding]:
        wanted = email.strip().casefold()
        tenants = [tenant_id] if tenant_id is not None else repository.tenants_with_contact(ctx.session)
        holdings = []
        for tenant in tenants:
            _check(ctx, tenant)
            contact = repository.contact(ctx.session, tenant_id=tenant)
            if contact is None:
                continue
            found = _email_of(ctx, contact)
            if found is None or found.strip().casefold() != wanted:
                continue
            holdings.append(
                Holding(
                    contribution=NAME,
                    category=BILLING_DETAILS,
                    role=SubjectRole.CONTROLLER,
                    tenant_id=tenant,
                    subject_id=contact.subject_id,
                    key=f"{CONTACT_KEY}{contact.id}",
                    records=1,
                    description=f"billing contact {contact.id} of tenant {tenant}",
                )
            )
            invoices = len(repository.invoices(ctx.session, tenant_id=tenant))
            if invoices:
                holdings.append(
                    Holding(
                        contribution=NAME,
                        category=BILLING_DETAILS,
                        role=SubjectRole.CONTROLLER,
                        tenant_id=tenant,
                        subject_id=contact.subject_id,
                        key=f"{INVOICES_KEY}{tenant}",
                        records=invoices,
                        description=f"invoice records of tenant {tenant}, issued to its billing contact",
                    )
                )
        return holdings

    def export(self, ctx: StepContext, holdings: list[Holding]) -> Iterator[ExportSection]:
        details = [h for h in holdings if h.key.startswith(CONTACT_KEY)]
        invoices = [h for h in holdings if h.key.startswith(INVOICES_KEY)]
        if details:
            yield ExportSection(
                name="billing_details",
                category=BILLING_DETAILS,
                title="Your billing details",
                schema=DETAILS_SCHEMA,
                records=[r for h in details if (r := self._details(ctx, h)) is not None],
            )
        if invoices:
            yield ExportSection(
                name="invoices",
                category=BILLING_DETAILS,
                title="Invoices issued to you as billing contact",
                schema=INVOICES_SCHEMA,
                records=[r for h in invoices for r in self._invoices(ctx, h)],
            )

    def _details(self, ctx: StepContext, holding: Holding) -> dict[str, Any] | None:
        if _contact(ctx.session, holding) is None:
            return None
        tenant = _tenant(ctx.session, holding.tenant_id)
        read = read_billing(
            ctx.session, ctx.runtime.keyring, actor=ctx.actor, tenant=tenant, purpose=Purpose.PRIVACY_REQUESTS
        )
        details, address = read.details, read.details.address if read.details else None
        return {
            "tenant_id": str(tenant.id),
            "name": details.name if details else None,
            "email": details.email if details else None,
            "address_line1": address.line1 if address else None,
            "address_line2": address.line2 if address else None,
            "address_city": address.city if address else None,
            "address_postal_code": address.postal_code if address else None,
            "address_state": address.state if address else None,
            "address_country": address.country if address else None,
            "stripe_customer_id": read.stripe_customer_id,
            "account_status": read.account_status,
            "sent_to_stripe": read.details_synced and read.stripe_customer_id is not None,
        }

    def _invoices(self, ctx: StepContext, holding: Holding) -> list[dict[str, Any]]:
        assert holding.tenant_id is not None
        _check(ctx, holding.tenant_id)
        rows = repository.invoices(ctx.session, tenant_id=holding.tenant_id)
        _audit(ctx, holding, "invoices_exported", invoices=[str(row.id) for row in rows])
        return [_invoice_record(row) for row in rows]

    def erase(self, ctx: StepContext, holdings: list[Holding]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for holding in holdings:
            if holding.key.startswith(CONTACT_KEY):
                outcomes += self._erase_contact(ctx, holding)
            elif holding.key.startswith(INVOICES_KEY):
                outcomes.append(self._keep_invoices(ctx, holding))
        return outcomes

    def _erase_contact(self, ctx: StepContext, holding: Holding) -> list[Outcome]:
        assert holding.tenant_id is not None
        _check(ctx, holding.tenant_id)
        contact = _contact(ctx.session, holding)
        if contact is None:  # erased by a run before this one, Stripe first
            return [
                Outcome(NAME, BILLING_DETAILS, "deleted", STRIPE, 0),
                Outcome(NAME, BILLING_DETAILS, "deleted", WHERE, 0),
            ]
        cleared = 0
        account = repository.account(ctx.session, tenant_id=holding.tenant_id)
        customer_id = account.stripe_customer_id if account is not None else None
        if (
            account is not None
            and customer_id is not None
            and account.status == AccountStatus.ACTIVE
            and contact.pushed_version is not None
        ):
            # nothing personal leaves: the request empties the fields Stripe holds
            need_gateway(configured_gateway(ctx.runtime)).update_customer_details(
                customer_id=customer_id,
                details=CustomerDetails(name=None, email=None, address=None),
                idempotency_key=idempotency_key(
                    holding.tenant_id, "customer.erase_details", customer_id, str(contact.id)
                ),
            )
            cleared = 1
        report = erase_subject(
            ctx.session,
            ctx.runtime.keyring,
            tenant_id=holding.tenant_id,
            subject_id=contact.subject_id,
            actor=ctx.actor,
            purpose=ctx.purpose,
        )
        _audit(ctx, holding, "erased", stripe_customer=customer_id, stripe_cleared=bool(cleared))
        return [
            Outcome(NAME, BILLING_DETAILS, "deleted", STRIPE, cleared),
            Outcome(NAME, BILLING_DETAILS, "deleted", WHERE, sum(report.rows_deleted.values())),
        ]

    def _keep_invoices(self, ctx: StepContext, holding: Holding) -> Outcome:
        assert holding.tenant_id is not None
        _check(ctx, holding.tenant_id)
        policy = policy_for(ctx.session)
        now = utcnow()
        rows = repository.invoices(ctx.session, tenant_id=holding.tenant_id)
        newly = [row for row in rows if row.restricted_at is None]
        for row in newly:
            restrict_invoice(row, policy=policy, closed_at=now)
        ctx.session.flush()
        reason, rule = tax_exception(policy)
        until = max((row.delete_after for row in rows if row.delete_after is not None), default=None)
        _audit(ctx, holding, "invoices_kept", rule=rule, invoices=len(rows), newly_restricted=len(newly))
        return Outcome(
            NAME, BILLING_DETAILS, "kept", WHERE, len(rows), reason=reason, until=until.date() if until else None
        )

    def correctable(self) -> Mapping[str, str]:
        return LABELS

    def check_changes(self, changes: Mapping[str, str]) -> None:
        validated_changes(changes)

    def correct(self, ctx: StepContext, holdings: list[Holding]) -> list[Outcome]:
        data = validated_changes(ctx.changes)
        contacts = [h for h in holdings if h.key.startswith(CONTACT_KEY)]
        if not contacts or not data.model_fields_set:
            return []
        corrected = pushed = 0
        for holding in contacts:
            if _contact(ctx.session, holding) is None:
                continue
            tenant = _tenant(ctx.session, holding.tenant_id)
            config = BillingConfig.from_settings(ctx.runtime.settings)
            correct_billing_details(
                ctx.session,
                ctx.runtime.keyring,
                config=config,
                actor=ctx.actor,
                tenant=tenant,
                data=data,
                purpose=Purpose.PRIVACY_REQUESTS,
            )
            corrected += 1
            contact = _contact(ctx.session, holding)
            account = repository.account(ctx.session, tenant_id=tenant.id)
            if contact is None or account is None or account.stripe_customer_id is None:
                continue  # Stripe holds nothing yet: the queued push creates the customer with the new details
            # Article 19: the recipient learns of the correction now, through the disclosure gate
            push_billing_details(
                ctx.session,
                ctx.runtime.keyring,
                need_gateway(configured_gateway(ctx.runtime)),
                tenant=tenant,
                version=contact.version,
                actor=ctx.actor,
            )
            pushed += int(contact.pushed_version == contact.version)
        return [
            Outcome(NAME, BILLING_DETAILS, "corrected", WHERE, corrected),
            Outcome(NAME, BILLING_DETAILS, "corrected", STRIPE, pushed),
        ]

    def opt_out(self, ctx: StepContext, holdings: list[Holding], *, email: str) -> list[Outcome]:
        return []  # billing messages are transactional; promotional ones are the messaging contribution's
