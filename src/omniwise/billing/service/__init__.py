"""The rules of billing, one module per use case; the functions the endpoints and jobs call."""

from omniwise.billing.service.accounts import delete_expired_customer
from omniwise.billing.service.closing import close_billing_account
from omniwise.billing.service.details import (
    BillingStatus,
    billing_status,
    correct_billing_details,
    push_billing_details,
    read_billing,
)
from omniwise.billing.service.hosted import open_portal, start_checkout
from omniwise.billing.service.invoices import list_invoices, read_restricted_invoices
from omniwise.billing.service.webhooks import process_event, receive_event

__all__ = [
    "BillingStatus",
    "billing_status",
    "close_billing_account",
    "correct_billing_details",
    "delete_expired_customer",
    "list_invoices",
    "open_portal",
    "process_event",
    "push_billing_details",
    "read_billing",
    "read_restricted_invoices",
    "receive_event",
    "start_checkout",
]
