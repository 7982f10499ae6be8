"""Imports every model so that the metadata is complete (for Alembic and for checks)."""

from omniwise.audit.models import AuditEvent, AuditHead, AuditVerification
from omniwise.auth.models import ApiKey
from omniwise.billing.models import BillingAccount, BillingContact, BillingInvoice, BillingSubscription, StripeEvent
from omniwise.consent.models import ConsentRecord
from omniwise.contacts.models import Contact
from omniwise.devices.models import DeviceSighting
from omniwise.disclosures.models import Disclosure, SharingOptIn
from omniwise.kit.db import Base
from omniwise.messaging.models import OutboxMessage, Suppression
from omniwise.policy.models import NoticeAcceptance, PolicyVersion
from omniwise.privacy.models import PrivacyRequest, PrivacyRequestStep, PrivacyRequestToken
from omniwise.retention.models import LegalHold, RetentionRun, RetentionRunCategory, RetentionRunHold
from omniwise.subjects.models import DataSubject
from omniwise.tenants.models import Tenant
from omniwise.usage.models import UsageDaily, UsageEvent
from omniwise.users.models import User, UserSession
from omniwise.worker.models import Job
from omniwise.zendesk.models import (
    ZendeskAppRequest,
    ZendeskComment,
    ZendeskConnection,
    ZendeskOAuthFlow,
    ZendeskOrganization,
    ZendeskSyncCursor,
    ZendeskSyncRun,
    ZendeskTicket,
    ZendeskUser,
    ZendeskWebhookEvent,
)

metadata = Base.metadata

__all__ = [
    "ApiKey",
    "AuditEvent",
    "AuditHead",
    "AuditVerification",
    "BillingAccount",
    "BillingContact",
    "BillingInvoice",
    "BillingSubscription",
    "ConsentRecord",
    "Contact",
    "DataSubject",
    "DeviceSighting",
    "Disclosure",
    "Job",
    "LegalHold",
    "NoticeAcceptance",
    "OutboxMessage",
    "PolicyVersion",
    "PrivacyRequest",
    "PrivacyRequestStep",
    "PrivacyRequestToken",
    "RetentionRun",
    "RetentionRunCategory",
    "RetentionRunHold",
    "SharingOptIn",
    "StripeEvent",
    "Suppression",
    "Tenant",
    "UsageDaily",
    "UsageEvent",
    "User",
    "UserSession",
    "ZendeskAppRequest",
    "ZendeskComment",
    "ZendeskConnection",
    "ZendeskOAuthFlow",
    "ZendeskOrganization",
    "ZendeskSyncCursor",
    "ZendeskSyncRun",
    "ZendeskTicket",
    "ZendeskUser",
    "ZendeskWebhookEvent",
    "metadata",
]
