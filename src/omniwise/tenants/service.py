"""Rules for tenants: who may create, see and change a business."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.errors import Conflict, Forbidden, NotFound
from omniwise.keys import KeyRing
from omniwise.kit.clock import utcnow
from omniwise.kit.pagination import Page, decode_cursor, encode_cursor
from omniwise.tenants import repository
from omniwise.tenants.models import Tenant
from omniwise.tenants.schemas import TenantCreate, TenantUpdate


def _audit(
    session: Session, actor: Actor, tenant: Tenant, action: str, details: dict[str, object] | None = None
) -> None:
    record(
        session,
        AuditEntry(
            name=f"tenants:tenant:{action}",
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=tenant.id,
            purpose="service_provision",
            object_type="tenant",
            object_id=str(tenant.id),
            details=dict(details or {}),
        ),
    )


def require(actor: Actor, permission: Permission) -> None:
    if not actor.can(permission):
        raise Forbidden(f"role {actor.role} may not {permission.value.replace(':', ' ')}")


def create_tenant(session: Session, keyring: KeyRing, *, actor: Actor, data: TenantCreate) -> Tenant:
    require(actor, Permission.TENANTS_CREATE)
    tenant = Tenant(
        id=uuid.uuid4(),
        name=data.name,
        address=data.address,
        industry=data.industry,
        organisation=dict(data.organisation),
        region=data.region.value,
    )
    session.add(tenant)
    session.flush()
    keyring.create_tenant_key(tenant.id)
    _audit(session, actor, tenant, "created", {"region": tenant.region})
    return tenant


def get_scoped_tenant(session: Session, *, actor: Actor, tenant_id: uuid.UUID) -> Tenant:
    """The tenant an id names, if the actor may see it; otherwise 404, as if it did not exist."""
    tenant = repository.get(session, tenant_id)
    if tenant is None or not actor.can_access_tenant(tenant_id):
        raise NotFound(f"tenant {tenant_id} does not exist")
    return tenant


def read_tenant(session: Session, *, actor: Actor, tenant: Tenant) -> Tenant:
    require(actor, Permission.TENANTS_READ)
    return tenant


def list_tenants(session: Session, *, actor: Actor, cursor: str | None, limit: int) -> Page[Tenant]:
    require(actor, Permission.TENANTS_READ)
    only = None if actor.can(Permission.TENANTS_LIST_ALL) else actor.tenant_id
    after = decode_cursor(cursor)
    rows = list(repository.list_page(session, only=only, after=after, limit=limit + 1))
    next_cursor = encode_cursor(rows[limit - 1].id) if len(rows) > limit else None
    return Page(items=rows[:limit], next_cursor=next_cursor)


def count_tenants(session: Session, *, actor: Actor) -> dict[str, int]:
    """How many businesses there are, by status (active, closed, erased): for staff."""
    require(actor, Permission.TENANTS_LIST_ALL)
    return repository.count_by_status(session)


def update_tenant(session: Session, *, actor: Actor, tenant: Tenant, data: TenantUpdate) -> Tenant:
    require(actor, Permission.TENANTS_UPDATE)
    changes = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if field == "name" and value is None:
            continue
        setattr(tenant, field, value)
    session.flush()
    _audit(session, actor, tenant, "updated", {"fields": sorted(changes)})
    return tenant


def close_tenant(session: Session, *, actor: Actor, tenant: Tenant) -> Tenant:
    """Close the business's account: periods that run "after the account is closed" start now."""
    require(actor, Permission.TENANTS_CLOSE)
    if tenant.closed_at is not None:
        raise Conflict(f"tenant {tenant.id} is already closed")
    tenant.closed_at = utcnow()
    tenant.status = "closed"
    session.flush()
    _audit(session, actor, tenant, "closed")
    return tenant
