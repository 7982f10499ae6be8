"""Retention of device sightings (device_network_data): full IP, user agent and actor id dropped after the period.

The category's `security_incident` exception (evidence kept a year) applies to no stored
record: nothing marks a sighting as evidence, so every one is anonymised on time. Evidence
that must be kept is kept with a legal hold, which the run counts and names.
"""

from __future__ import annotations

from omniwise.devices.models import DeviceSighting
from omniwise.kit.db import start_of_day
from omniwise.policy.model import Trigger
from omniwise.retention.registry import (
    Sweeper,
    declare_nothing_stored,
    delete_rows,
    older_than,
    register_sweeper,
    set_values,
)

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

declare_nothing_stored(
    "device_network_data",
    exception="security_incident",
    reason=(
        "no record is kept as evidence of a security incident: nothing marks a device sighting as evidence, "
        "so every one is anonymised after the category's own period; to keep records as evidence, "
        "place a legal hold on them"
    ),
)
