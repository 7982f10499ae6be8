"""Purposes for which personal data is processed (notice section 2).

Every read or write of personal data names one of these; the audit chain records it.
"""

from __future__ import annotations

from enum import StrEnum


class Purpose(StrEnum):
    SERVICE_PROVISION = "service_provision"
    CUSTOMER_SUPPORT = "customer_support"
    BILLING = "billing"
    ANALYTICS = "analytics"
    LEGAL_COMPLIANCE = "legal_compliance"
    SECURITY = "security"
    PRIVACY_REQUESTS = "privacy_requests"
