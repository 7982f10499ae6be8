"""One contract, two gateways: the in-memory Stripe, and the real client against localstripe."""

from __future__ import annotations

import uuid

import pytest

from omniwise.billing.errors import StripeRejected
from omniwise.billing.gateway import Address, CustomerDetails, idempotency_key
from tests.billing.stripe_side import PLAN_AMOUNT, StripeSide

NO_HOSTED_PAGES = "localstripe has no Checkout Sessions or Customer Portal; the in-memory Stripe covers them"


def _key(label: str) -> str:
    return f"test:{label}:{uuid.uuid4()}"


def test_creating_a_customer_twice_with_one_key_makes_one_customer(stripe_side: StripeSide) -> None:
    gateway, tenant_id = stripe_side.gateway, uuid.uuid4()
    key = idempotency_key(tenant_id, "customer.create")

    first = gateway.create_customer(tenant_id=tenant_id, idempotency_key=key)
    again = gateway.create_customer(tenant_id=tenant_id, idempotency_key=key)

    assert again == first
    assert stripe_side.customers_of(tenant_id) == [first]
    found = gateway.get_customer(first)
    assert found is not None
    assert found.tenant_ref == str(tenant_id)
    assert not found.deleted
    # a key reused for another request is refused, as Stripe refuses it
    with pytest.raises(StripeRejected) as refused:
        gateway.create_customer(tenant_id=uuid.uuid4(), idempotency_key=key)
    assert refused.value.http_status == 400


def test_a_new_key_makes_a_new_customer(stripe_side: StripeSide) -> None:
    tenant_id = uuid.uuid4()
    one = stripe_side.gateway.create_customer(tenant_id=tenant_id, idempotency_key=_key("a"))
    two = stripe_side.gateway.create_customer(tenant_id=tenant_id, idempotency_key=_key("b"))
    assert one != two
    assert sorted(stripe_side.customers_of(tenant_id)) == sorted([one, two])


def test_billing_details_are_set_and_cleared(stripe_side: StripeSide) -> None:
    gateway = stripe_side.gateway
    customer = gateway.create_customer(tenant_id=uuid.uuid4(), idempotency_key=_key("c"))
    address = Address(line1="1 High Street", city="Dover", postal_code="CT16 1AA", country="GB")

    gateway.update_customer_details(
        customer_id=customer,
        details=CustomerDetails(name="Ada Lovelace", email="ada@example.org", address=address),
        idempotency_key=_key("u1"),
    )
    held = stripe_side.customer_details(customer)
    assert held["name"] == "Ada Lovelace"
    assert held["email"] == "ada@example.org"
    assert held["address"]["line1"] == "1 High Street"
    assert held["address"]["country"] == "GB"

    gateway.update_customer_details(
        customer_id=customer, details=CustomerDetails(name=None, email=None, address=None), idempotency_key=_key("u2")
    )
    assert stripe_side.customer_details(customer) == {"name": None, "email": None, "address": None}


def test_a_subscription_with_its_invoice_is_read_listed_and_canceled(stripe_side: StripeSide) -> None:
    gateway, tenant_id = stripe_side.gateway, uuid.uuid4()
    customer = gateway.create_customer(tenant_id=tenant_id, idempotency_key=_key("s"))
    subscription_id = stripe_side.subscribe(customer, tenant_id)

    subscription = gateway.get_subscription(subscription_id)
    assert subscription is not None
    assert subscription.customer_id == customer
    assert subscription.status == "active"
    assert subscription.price_id == stripe_side.price_id
    assert subscription.current_period_start is not None
    assert subscription.current_period_end is not None
    assert subscription.current_period_end > subscription.current_period_start
    assert subscription.tenant_ref == str(tenant_id)
    assert [s.id for s in gateway.list_subscriptions(customer_id=customer)] == [subscription_id]

    invoices = gateway.list_invoices(customer_id=customer)
    assert len(invoices) == 1
    invoice = invoices[0]
    assert invoice.subscription_id == subscription_id
    assert invoice.status == "paid"
    assert invoice.amount_paid == invoice.total == PLAN_AMOUNT
    assert invoice.currency == "eur"
    assert invoice.paid_at is not None
    assert gateway.get_invoice(invoice.id) == invoice

    key = _key("cancel")
    canceled = gateway.cancel_subscription(subscription_id=subscription_id, idempotency_key=key)
    assert canceled.status == "canceled"
    assert canceled.ended_at is not None
    # the same cancellation retried replays Stripe's first answer
    assert gateway.cancel_subscription(subscription_id=subscription_id, idempotency_key=key) == canceled
    assert gateway.list_subscriptions(customer_id=customer) == []
    fetched = gateway.get_subscription(subscription_id)
    assert fetched is not None
    assert fetched.status == "canceled"


def test_a_deleted_customer_has_nothing_left_to_list(stripe_side: StripeSide) -> None:
    gateway, tenant_id = stripe_side.gateway, uuid.uuid4()
    customer = gateway.create_customer(tenant_id=tenant_id, idempotency_key=_key("d"))

    assert gateway.delete_customer(customer_id=customer, idempotency_key=_key("del")) is True
    assert gateway.delete_customer(customer_id=customer, idempotency_key=_key("del-again")) is False
    found = gateway.get_customer(customer)
    assert found is None or found.deleted
    assert gateway.list_subscriptions(customer_id=customer) == []
    assert gateway.list_invoices(customer_id=customer) == []
    assert stripe_side.customers_of(tenant_id) == []


def test_unknown_objects_are_none(stripe_side: StripeSide) -> None:
    gateway = stripe_side.gateway
    assert gateway.get_customer("cus_doesnotexist00") is None
    assert gateway.get_subscription("sub_doesnotexist00") is None
    assert gateway.get_invoice("in_doesnotexist00") is None
    with pytest.raises(StripeRejected) as refused:
        gateway.update_customer_details(
            customer_id="cus_doesnotexist00",
            details=CustomerDetails(name="x", email=None, address=None),
            idempotency_key=_key("missing"),
        )
    assert refused.value.http_status == 404


def test_checkout_and_portal_pages_are_hosted_by_stripe(stripe_side: StripeSide) -> None:
    if stripe_side.kind == "localstripe":
        pytest.skip(NO_HOSTED_PAGES)
    gateway, tenant_id = stripe_side.gateway, uuid.uuid4()
    customer = gateway.create_customer(tenant_id=tenant_id, idempotency_key=_key("h"))
    key = _key("checkout")

    page = gateway.create_checkout_session(
        customer_id=customer,
        price_id=stripe_side.price_id,
        tenant_id=tenant_id,
        success_url="https://example.test/done",
        cancel_url="https://example.test/canceled",
        idempotency_key=key,
    )
    assert page.url.startswith("https://")
    again = gateway.create_checkout_session(
        customer_id=customer,
        price_id=stripe_side.price_id,
        tenant_id=tenant_id,
        success_url="https://example.test/done",
        cancel_url="https://example.test/canceled",
        idempotency_key=key,
    )
    assert again == page
    portal = gateway.create_portal_session(
        customer_id=customer, return_url="https://example.test/billing", idempotency_key=_key("portal")
    )
    assert portal.url.startswith("https://")
    assert portal.url != page.url
