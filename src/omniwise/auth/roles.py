"""Roles of vendor staff and tenant users, and what each may do."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VENDOR_ADMIN = "vendor-admin"
    PRIVACY_OFFICER = "privacy-officer"
    SUPPORT_AGENT = "support-agent"
    TENANT_ADMIN = "tenant-admin"
    TENANT_MEMBER = "tenant-member"

    @property
    def is_vendor_staff(self) -> bool:
        return self in VENDOR_ROLES


VENDOR_ROLES = frozenset({Role.VENDOR_ADMIN, Role.PRIVACY_OFFICER, Role.SUPPORT_AGENT})
TENANT_ROLES = frozenset({Role.TENANT_ADMIN, Role.TENANT_MEMBER})


class Permission(StrEnum):
    TENANTS_CREATE = "tenants:create"
    TENANTS_LIST_ALL = "tenants:list-all"
    TENANTS_READ = "tenants:read"
    TENANTS_UPDATE = "tenants:update"
    TENANTS_CLOSE = "tenants:close"
    CONTACTS_READ = "contacts:read"
    CONTACTS_WRITE = "contacts:write"
    AUDIT_READ = "audit:read"
    DISCLOSURES_READ = "disclosures:read"
    BILLING_READ = "billing:read"
    BILLING_MANAGE = "billing:manage"
    BILLING_RESTRICTED_READ = "billing:restricted-read"
    RETENTION_READ = "retention:read"
    RETENTION_HOLDS = "retention:holds"
    USAGE_READ = "usage:read"
    ZENDESK_READ = "zendesk:read"
    ZENDESK_MANAGE = "zendesk:manage"
    # privacy requests: reading them, working them (staff), deciding a customer's (tenant admins)
    PRIVACY_REQUESTS_READ = "privacy-requests:read"
    PRIVACY_REQUESTS_MANAGE = "privacy-requests:manage"
    PRIVACY_REQUESTS_DECIDE = "privacy-requests:decide"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # restricted invoice records are for the privacy officer alone, who states a reason
    Role.VENDOR_ADMIN: frozenset(Permission) - {Permission.BILLING_RESTRICTED_READ},
    Role.PRIVACY_OFFICER: frozenset(
        {
            Permission.TENANTS_LIST_ALL,
            Permission.TENANTS_READ,
            Permission.CONTACTS_READ,
            Permission.CONTACTS_WRITE,
            Permission.AUDIT_READ,
            Permission.DISCLOSURES_READ,
            Permission.BILLING_READ,
            Permission.BILLING_RESTRICTED_READ,
            Permission.RETENTION_READ,
            Permission.RETENTION_HOLDS,
            Permission.ZENDESK_READ,
            Permission.PRIVACY_REQUESTS_READ,
            Permission.PRIVACY_REQUESTS_MANAGE,
        }
    ),
    Role.SUPPORT_AGENT: frozenset(
        {
            Permission.TENANTS_LIST_ALL,
            Permission.TENANTS_READ,
            Permission.CONTACTS_READ,
            Permission.RETENTION_READ,
            Permission.USAGE_READ,
            Permission.ZENDESK_READ,
            Permission.PRIVACY_REQUESTS_READ,
        }
    ),
    Role.TENANT_ADMIN: frozenset(
        {
            Permission.TENANTS_READ,
            Permission.TENANTS_UPDATE,
            Permission.TENANTS_CLOSE,
            Permission.CONTACTS_READ,
            Permission.CONTACTS_WRITE,
            Permission.BILLING_READ,
            Permission.BILLING_MANAGE,
            Permission.USAGE_READ,
            Permission.ZENDESK_READ,
            Permission.ZENDESK_MANAGE,
            Permission.PRIVACY_REQUESTS_READ,
            Permission.PRIVACY_REQUESTS_MANAGE,
            Permission.PRIVACY_REQUESTS_DECIDE,
        }
    ),
    Role.TENANT_MEMBER: frozenset({Permission.TENANTS_READ, Permission.CONTACTS_READ, Permission.ZENDESK_READ}),
}
