"""Retention of device sightings (device_network_data): full IP, user agent and actor id dropped after the period."""

from __future__ import annotations

from omniwise.devices.models import DeviceSighting
from omniwise.kit.db import start_of_day
from omniwise.policy.model import Trigger
from omniwise.retention.registry import Sweeper, delete_rows, older_than, register_sweeper, set_values

register_sweeper(
    Sweeper(
        name="devices.sightings",
        category="device_network_data",
        table=DeviceSighting.__table__,  # type: ignore[arg-type]
        key=DeviceSighting.id,
        triggers={Trigger.COLLECTED: older_than(DeviceSighting.last_seen_at)},
        pending=DeviceSighting.ip_address.is_not(None),
        # the /24 or /48 network and the browser, OS and device families were stored apart when
        # the row was written, so truncating the address is dropping the full one
        anonymise=set_values(
            ip_address=None,
            user_agent=None,
            actor_id=None,
            first_seen_at=start_of_day(DeviceSighting.first_seen_at),
            last_seen_at=start_of_day(DeviceSighting.last_seen_at),
        ),
        delete=delete_rows,
        tenant_column=DeviceSighting.tenant_id,
        describe="device sightings: IP truncated to /24 or /48, user agent and actor id dropped, times cut to the day",
    )
)
