"""No card number, CVC or bank account number reaches the database, whatever Stripe's events carry.

Webhook payloads full of card and bank details (and the billing contact's details, which
are stored only encrypted) go through the real intake and processing; then every byte of
the SQLite files, or every row of every PostgreSQL table, is searched for them.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from omniwise.billing.gateway import InMemoryStripeGateway
from omniwise.models import metadata
from omniwise.runtime import Runtime
from tests.billing.helpers import Tenancy, deliver, event, process_events, run_queued, subscribe_through_checkout

CARD_NUMBER = "4242424242424242"
OTHER_CARD_NUMBER = "5555555555554444"
CVC = "7391"
ACCOUNT_NUMBER = "000123456789"
ROUTING_NUMBER = "110000000"
IBAN = "DE89370400440532013000"
FINGERPRINT = "Xt5EWLLDS7FJjR1c"
BILLING_NAME = "Grace Billing-Hopper"
BILLING_EMAIL = "grace.billing@example.org"
STREET = "12 Secretive Lane"
PHONE = "+442079460958"

SECRETS = [
    CARD_NUMBER,
    OTHER_CARD_NUMBER,
    ACCOUNT_NUMBER,
    ROUTING_NUMBER,
    IBAN,
    FINGERPRINT,
    BILLING_NAME,
    BILLING_EMAIL,
    STREET,
    PHONE,
    '"cvc"',
    "payment_method_details",
    "customer_email",
    "customer_details",
    "account_number",
]

ADDRESS = {"line1": STREET, "city": "Dover", "postal_code": "CT16 1AA", "country": "GB"}
PERSON = {"name": BILLING_NAME, "email": BILLING_EMAIL, "address": ADDRESS, "phone": PHONE}
CARD = {
    "number": CARD_NUMBER,
    "cvc": CVC,
    "last4": "4242",
    "brand": "visa",
    "fingerprint": FINGERPRINT,
    "exp_month": 12,
    "exp_year": 2030,
}


def _payloads(customer: str, completed: dict[str, Any], subscription: dict[str, Any], invoice: dict[str, Any]) -> list:
    charge = {
        "object": "charge",
        "id": "ch_carded",
        "customer": customer,
        "amount": 2900,
        "payment_method_details": {"type": "card", "card": CARD},
        "billing_details": PERSON,
        "source": {"object": "card", "id": "card_1", **CARD},
    }
    return [
        event("charge.succeeded", charge),
        event(
            "customer.source.created",
            {"object": "card", "id": "card_2", "customer": customer, **CARD, "number": OTHER_CARD_NUMBER},
        ),
        event(
            "payment_method.attached",
            {
                "object": "payment_method",
                "id": "pm_1",
                "customer": customer,
                "card": CARD,
                "billing_details": PERSON,
                "sepa_debit": {"iban": IBAN, "last4": "3000"},
            },
        ),
        event(
            "customer.updated",
            {
                "object": "customer",
                "id": customer,
                **PERSON,
                "sources": {
                    "object": "list",
                    "data": [
                        {"object": "bank_account", "account_number": ACCOUNT_NUMBER, "routing_number": ROUTING_NUMBER}
                    ],
                },
                "invoice_settings": {"default_payment_method": {"object": "payment_method", "card": CARD}},
            },
        ),
        event(
            "invoice.payment_succeeded",
            {
                **invoice,
                "customer_email": BILLING_EMAIL,
                "customer_name": BILLING_NAME,
                "customer_address": ADDRESS,
                "charge": charge,
                "payment_intent": {"object": "payment_intent", "payment_method": {"card": CARD}},
            },
        ),
        event("checkout.session.completed", {**completed, "customer_details": PERSON}),
        event(
            "customer.subscription.updated",
            {
                **subscription,
                "default_payment_method": {"object": "payment_method", "card": CARD, "billing_details": PERSON},
            },
        ),
    ]


def _database_text(runtime: Runtime) -> bytes:
    """Everything the database holds: the SQLite files byte for byte, or every PostgreSQL row as text."""
    settings = runtime.settings
    if settings.database_url is None:
        runtime.engine.dispose()
        return b"".join(path.read_bytes() for path in sorted(Path(settings.data_dir).iterdir()) if path.is_file())
    chunks = []
    with runtime.engine.connect() as connection:
        for table in metadata.sorted_tables:
            rows = connection.execute(text(f'SELECT CAST(t AS text) FROM "{table.name}" AS t')).scalars()
            chunks.extend(row.encode() for row in rows)
    return b"\n".join(chunks)


def test_card_and_bank_details_in_webhooks_never_reach_the_database(
    client: TestClient, runtime: Runtime, stripe_memory: InMemoryStripeGateway, tenancy: Tenancy
) -> None:
    patched = client.patch(
        tenancy.billing, json={"name": BILLING_NAME, "email": BILLING_EMAIL, "address": ADDRESS}, headers=tenancy.auth
    )
    assert patched.status_code == 200, patched.text
    completed = subscribe_through_checkout(client, runtime, stripe_memory, tenancy.admin, tenancy.tenant_id)
    run_queued(runtime, "billing.push_details")
    customer = completed["customer"]
    subscription = copy.deepcopy(stripe_memory.subscriptions[completed["subscription"]])
    invoice = copy.deepcopy(next(iter(stripe_memory.invoices.values())))

    for payload in _payloads(customer, completed, subscription, invoice):
        response = deliver(client, payload)
        assert response.status_code == 200, response.text
    assert process_events(runtime) == 3  # the invoice, checkout and subscription events; the rest are ignored
    assert client.get(f"{tenancy.billing}/invoices", headers=tenancy.auth).json()["items"][0]["status"] == "paid"

    stored = _database_text(runtime)
    assert customer.encode() in stored  # the search reads the real data
    found = [secret for secret in SECRETS if secret.encode() in stored]
    assert found == []
