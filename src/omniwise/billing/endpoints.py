"""HTTP endpoints for billing: the tenant's billing (details, hosted pages, invoices, closing) and Stripe's webhooks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request

from omniwise.auth.dependencies import CurrentActor, DbSession, Keys, RuntimeDep, ScopedTenant
from omniwise.billing import service
from omniwise.billing.config import BillingConfig
from omniwise.billing.entitlements import entitlements
from omniwise.billing.gateway import StripeGateway, configured_gateway
from omniwise.billing.schemas import (
    BillingDetailsUpdate,
    BillingRead,
    CheckoutCreate,
    CloseReport,
    EntitlementsRead,
    HostedSessionRead,
    InvoiceList,
    Reference,
    RestrictedInvoiceList,
    RestrictedReadReason,
    WebhookAck,
)

router = APIRouter(prefix="/api/v1/tenants/{tenant_id}/billing", tags=["billing"])
webhooks = APIRouter(tags=["billing"])


def get_config(runtime: RuntimeDep) -> BillingConfig:
    return BillingConfig.from_settings(runtime.settings)


def get_gateway(runtime: RuntimeDep) -> StripeGateway | None:
    """The Stripe gateway, or None when billing is not configured (the service answers 503 where it needs one)."""
    return configured_gateway(runtime)


async def raw_body(request: Request) -> bytes:
    """The body exactly as sent: the Stripe signature covers these bytes."""
    return await request.body()


Config = Annotated[BillingConfig, Depends(get_config)]
Gateway = Annotated[StripeGateway | None, Depends(get_gateway)]


@router.get("", response_model=BillingRead, summary="Read the billing details, subscription and account state")
def read_billing(session: DbSession, keys: Keys, actor: CurrentActor, tenant: ScopedTenant) -> BillingRead:
    return service.read_billing(session, keys, actor=actor, tenant=tenant)


@router.patch("", response_model=BillingRead, summary="Correct the billing name, email or address")
def correct_billing(
    body: BillingDetailsUpdate,
    session: DbSession,
    keys: Keys,
    actor: CurrentActor,
    tenant: ScopedTenant,
    config: Config,
) -> BillingRead:
    return service.correct_billing_details(session, keys, config=config, actor=actor, tenant=tenant, data=body)


@router.post(
    "/checkout", status_code=201, response_model=HostedSessionRead, summary="Start a subscription on Stripe Checkout"
)
def start_checkout(
    body: CheckoutCreate,
    session: DbSession,
    actor: CurrentActor,
    tenant: ScopedTenant,
    config: Config,
    gateway: Gateway,
) -> HostedSessionRead:
    return service.start_checkout(session, gateway, config=config, actor=actor, tenant=tenant, plan=body.plan)


@router.post(
    "/portal",
    status_code=201,
    response_model=HostedSessionRead,
    summary="Manage payment methods in the Customer Portal",
)
def open_portal(
    session: DbSession, actor: CurrentActor, tenant: ScopedTenant, config: Config, gateway: Gateway
) -> HostedSessionRead:
    return service.open_portal(session, gateway, config=config, actor=actor, tenant=tenant)


@router.get("/invoices", response_model=InvoiceList, summary="List invoice records, newest first")
def list_invoices(
    session: DbSession,
    actor: CurrentActor,
    tenant: ScopedTenant,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> InvoiceList:
    page = service.list_invoices(session, actor=actor, tenant=tenant, cursor=cursor, limit=limit)
    return InvoiceList(items=page.items, next_cursor=page.next_cursor)


@router.get(
    "/restricted-invoices",
    response_model=RestrictedInvoiceList,
    summary="Read the invoice records kept after closing (privacy officer, with a reason)",
)
def read_restricted_invoices(
    session: DbSession,
    actor: CurrentActor,
    tenant: ScopedTenant,
    reason: Annotated[RestrictedReadReason, Query(description="why the records are read; audited")],
    reference: Annotated[Reference | None, Query(description="a case or request reference; audited")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> RestrictedInvoiceList:
    page = service.read_restricted_invoices(
        session, actor=actor, tenant=tenant, reason=reason, reference=reference, cursor=cursor, limit=limit
    )
    return RestrictedInvoiceList(items=page.items, next_cursor=page.next_cursor)


@router.post(
    "/close", response_model=CloseReport, summary="Close the billing account: cancel, delete at Stripe, keep invoices"
)
def close_billing(
    session: DbSession, keys: Keys, actor: CurrentActor, tenant: ScopedTenant, config: Config, gateway: Gateway
) -> CloseReport:
    return service.close_billing_account(session, keys, gateway, config=config, tenant=tenant, actor=actor)


@router.get("/entitlements", response_model=EntitlementsRead, summary="Which features the subscription includes")
def read_entitlements(
    session: DbSession, actor: CurrentActor, tenant: ScopedTenant, config: Config
) -> EntitlementsRead:
    return entitlements(session, actor=actor, tenant=tenant, plan_features=config.plan_features)


@webhooks.post("/webhooks/stripe", response_model=WebhookAck, summary="Stripe's webhook events (signed)")
def stripe_webhook(
    session: DbSession,
    config: Config,
    body: Annotated[bytes, Depends(raw_body)],
    stripe_signature: Annotated[str | None, Header(alias="Stripe-Signature")] = None,
) -> WebhookAck:
    return service.receive_event(session, config=config, payload=body, signature=stripe_signature)
