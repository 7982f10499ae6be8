"""A small world of tenants, people and records of every swept kind, some past their period and some not."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update

from omniwise.auth.actor import SYSTEM
from omniwise.auth.models import ApiKey
from omniwise.auth.roles import Role
from omniwise.auth.service import create_api_key
from omniwise.consent.models import ConsentRecord
from omniwise.contacts.models import Contact
from omniwise.contacts.schemas import ContactCreate
from omniwise.contacts.service import create_contact
from omniwise.devices.service import record_sighting
from omniwise.kit.clock import utcnow
from omniwise.runtime import Runtime
from omniwise.tenants.models import Tenant
from omniwise.tenants.schemas import Region, TenantCreate
from omniwise.tenants.service import create_tenant
from omniwise.usage.service import record_usage

DAY = timedelta(days=1)


@dataclass
class World:
    now: datetime
    open_tenant: uuid.UUID
    recently_closed: uuid.UUID  # 10 days ago: inside every period
    closed_60_days: uuid.UUID  # contacts past P30D, business details inside P1Y
    closed_400_days: uuid.UUID  # past both
    contacts: dict[str, tuple[uuid.UUID, uuid.UUID]] = field(default_factory=dict)  # name -> (contact, subject)
    old_key: uuid.UUID | None = None
    fresh_key: uuid.UUID | None = None


def tenant(runtime: Runtime, name: str, *, closed_at: datetime | None = None) -> uuid.UUID:
    with runtime.transaction() as session:
        row = create_tenant(
            session,
            runtime.keyring,
            actor=SYSTEM,
            data=TenantCreate(name=name, address="1 High Street, Dover", industry="retail", region=Region.EU),
        )
        if closed_at is not None:
            row.closed_at, row.status = closed_at, "closed"
        return row.id


def contact(runtime: Runtime, tenant_id: uuid.UUID, email: str) -> tuple[uuid.UUID, uuid.UUID]:
    with runtime.transaction() as session:
        owner = session.get(Tenant, tenant_id)
        assert owner is not None
        read = create_contact(
            session,
            runtime.keyring,
            actor=SYSTEM,
            tenant=owner,
            data=ContactCreate(name="Ada Lovelace", email=email, phone="+442079460958", job_title="CTO"),
        )
        row = session.get(Contact, read.id)
        assert row is not None
        return row.id, row.subject_id


def build_world(runtime: Runtime) -> World:
    now = utcnow()
    world = World(
        now=now,
        open_tenant=tenant(runtime, "Open Ltd"),
        recently_closed=tenant(runtime, "Recent Ltd", closed_at=now - 10 * DAY),
        closed_60_days=tenant(runtime, "Sixty Ltd", closed_at=now - 60 * DAY),
        closed_400_days=tenant(runtime, "Old Ltd", closed_at=now - 400 * DAY),
    )
    for name, owner in (
        ("open", world.open_tenant),
        ("recent", world.recently_closed),
        ("sixty", world.closed_60_days),
        ("old1", world.closed_400_days),
        ("old2", world.closed_400_days),
    ):
        world.contacts[name] = contact(runtime, owner, f"{name}@example.org")
    old, fresh = now - 420 * DAY, now - 5 * DAY  # 13 months is about 396 days
    with runtime.transaction() as session:
        for at, actor in ((old, "k-1"), (old, "k-2"), (old, "k-3"), (old, None), (fresh, "k-1"), (fresh, "k-2")):
            record_usage(
                session,
                feature="GET /api/v1/tenants/{tenant_id}",
                outcome="2xx",
                tenant_id=world.open_tenant,
                actor_type="api_key" if actor else None,
                actor_id=actor,
                at=at,
            )
        agent = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
        device_old = now - 100 * DAY
        for ip, at in (("203.0.113.77", device_old), ("2001:db8:1:2::99", device_old), ("198.51.100.5", now)):
            record_sighting(session, tenant_id=world.open_tenant, actor_id="k-1", ip=ip, user_agent=agent, at=at)
        for at in (old, old, fresh):
            session.add(
                ConsentRecord(
                    consent_id=uuid.uuid4(),
                    choices={"analytics": True, "marketing": False},
                    gpc=False,
                    source="banner",
                    notice_sha256="0" * 64,
                    cookies_sha256="0" * 64,
                    ip_hmac="f" * 64,
                    recorded_at=at,
                )
            )
        world.old_key = create_api_key(session, name="old", role=Role.TENANT_ADMIN, tenant_id=world.open_tenant).id
        world.fresh_key = create_api_key(session, name="new", role=Role.TENANT_ADMIN, tenant_id=world.open_tenant).id
        session.execute(update(ApiKey).where(ApiKey.id == world.old_key).values(last_used_at=old))
        session.execute(update(ApiKey).where(ApiKey.id == world.fresh_key).values(last_used_at=fresh))
    return world
