"""The authenticated caller of a request or the system running a job."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from omniwise.auth.roles import ROLE_PERMISSIONS, Permission, Role


@dataclass(frozen=True)
class Actor:
    kind: str  # "api_key", "user" or "system"
    id: str
    role: Role | None
    tenant_id: uuid.UUID | None = None

    def can(self, permission: Permission) -> bool:
        if self.kind == "system":
            return True
        return self.role is not None and permission in ROLE_PERMISSIONS[self.role]

    def can_access_tenant(self, tenant_id: uuid.UUID) -> bool:
        """Vendor staff see every tenant; tenant users only their own."""
        if self.kind == "system" or (self.role is not None and self.role.is_vendor_staff):
            return True
        return self.tenant_id == tenant_id


SYSTEM = Actor(kind="system", id="system", role=None)
