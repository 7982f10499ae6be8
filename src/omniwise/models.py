"""Imports every model so that the metadata is complete (for Alembic and for checks)."""

from omniwise.audit.models import AuditEvent, AuditHead, AuditVerification
from omniwise.auth.models import ApiKey
from omniwise.contacts.models import Contact
from omniwise.disclosures.models import Disclosure, SharingOptIn
from omniwise.kit.db import Base
from omniwise.policy.models import NoticeAcceptance, PolicyVersion
from omniwise.subjects.models import DataSubject
from omniwise.tenants.models import Tenant
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
    "Contact",
    "DataSubject",
    "Disclosure",
    "Job",
    "NoticeAcceptance",
    "PolicyVersion",
    "SharingOptIn",
    "Tenant",
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
