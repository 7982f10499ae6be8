"""Recording which device and network reached the platform: the address and user agent, parsed with ua-parser."""

from __future__ import annotations

import functools
import ipaddress
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from ua_parser import parse

from omniwise.devices.models import DeviceSighting
from omniwise.kit.clock import utcnow
from omniwise.kit.db import start_of_day

MAX_USER_AGENT = 512
UNKNOWN = "Other"


@dataclass(frozen=True)
class DeviceFamilies:
    """What a user agent says about the device, at a level shared by millions: no version, no build."""

    browser: str
    os: str
    device: str


@functools.lru_cache(maxsize=4096)
def parse_user_agent(user_agent: str) -> DeviceFamilies:
    result = parse(user_agent)
    return DeviceFamilies(
        browser=(result.user_agent.family if result.user_agent else UNKNOWN)[:64],
        os=(result.os.family if result.os else UNKNOWN)[:64],
        device=(result.device.family if result.device else UNKNOWN)[:64],
    )


def normalise_ip(address: str) -> str | None:
    """The address in its canonical form (IPv4-mapped IPv6 as IPv4), or None when it is not an address."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return str(ip)


def truncate_ip(address: str) -> str:
    """The network of an address: /24 for IPv4, /48 for IPv6, which points to a site, not a device."""
    ip = ipaddress.ip_address(address)
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def record_sighting(
    session: Session,
    *,
    tenant_id: uuid.UUID | None,
    actor_id: str,
    ip: str,
    user_agent: str | None,
    at: datetime | None = None,
) -> bool:
    """Count one request from this device; False when the address is not one (nothing recorded)."""
    address = normalise_ip(ip)
    if address is None:
        return False
    moment = at or utcnow()
    agent = (user_agent or "")[:MAX_USER_AGENT]
    families = parse_user_agent(agent)
    values = {
        "tenant_id": tenant_id,
        "actor_id": actor_id,
        "ip_address": address,
        "ip_network": truncate_ip(address),
        # an absent user agent is stored as '' so that the row stays unique per device and day
        "user_agent": agent,
        "browser_family": families.browser,
        "os_family": families.os,
        "device_family": families.device,
        "day": moment.date(),
        "first_seen_at": moment,
        "last_seen_at": moment,
        "requests": 1,
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert(DeviceSighting) if dialect == "postgresql" else sqlite_insert(DeviceSighting)
    statement = insert.values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["day", "actor_id", "ip_address", "user_agent"],
            set_={
                "requests": DeviceSighting.requests + 1,
                "last_seen_at": statement.excluded.last_seen_at,
            },
        )
    )
    return True


def count_of_actor(session: Session, *, actor_id: str) -> int:
    """How many sightings still name this actor (those past their period were anonymised already)."""
    return int(
        session.scalar(select(func.count()).select_from(DeviceSighting).where(DeviceSighting.actor_id == actor_id)) or 0
    )


def sightings_of_actor(session: Session, *, actor_id: str) -> Iterator[DeviceSighting]:
    stmt = (
        select(DeviceSighting)
        .where(DeviceSighting.actor_id == actor_id)
        .order_by(DeviceSighting.day, DeviceSighting.id)
        .execution_options(yield_per=1000)
    )
    yield from session.scalars(stmt)


def anonymise_actor(session: Session, *, actor_id: str) -> int:
    """What the retention sweep does at the period's end, now, in one statement: the full address,
    the user agent and the actor id go; the network and the families, which point to no one, stay."""
    stmt = (
        update(DeviceSighting)
        .where(DeviceSighting.actor_id == actor_id)
        .values(
            ip_address=None,
            user_agent=None,
            actor_id=None,
            first_seen_at=start_of_day(DeviceSighting.first_seen_at),
            last_seen_at=start_of_day(DeviceSighting.last_seen_at),
        )
        .execution_options(synchronize_session=False)
    )
    return int(cast("CursorResult[Any]", session.execute(stmt)).rowcount or 0)
