"""The purposes the platform's code names when it touches personal data (notice section 2).

The policy file defines each purpose (description, legal basis, fideslang data use) and
which categories may serve it; this enum only lets code name them without typos. The
linter fails a policy that leaves out a purpose named here, and the purpose check
refuses any purpose a category does not allow. There is no sale purpose, and a policy
that declares one fails the check.
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
    PROMOTIONAL_COMMUNICATIONS = "promotional_communications"
    JOINT_MARKETING = "joint_marketing"
