"""Device and network data: user agents parsed into families, addresses truncated, one row per device and day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from omniwise.devices.models import DeviceSighting
from omniwise.devices.service import normalise_ip, parse_user_agent, record_sighting, truncate_ip
from omniwise.runtime import Runtime


@pytest.mark.parametrize(
    ("agent", "families"),
    [
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.5 Mobile/15E148 Safari/604.1",
            ("Mobile Safari", "iOS", "iPhone"),
        ),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", ("Firefox", "Linux", "Other")),
        ("curl/8.5.0", ("curl", "Other", "Other")),
        ("", ("Other", "Other", "Other")),
    ],
)
def test_user_agents_become_families_without_versions(agent: str, families: tuple[str, str, str]) -> None:
    parsed = parse_user_agent(agent)
    assert (parsed.browser, parsed.os, parsed.device) == families


def test_addresses_are_truncated_to_their_network() -> None:
    assert truncate_ip("203.0.113.77") == "203.0.113.0/24"
    assert truncate_ip("2001:db8:abcd:12:1:2:3:4") == "2001:db8:abcd::/48"
    assert normalise_ip("::ffff:198.51.100.7") == "198.51.100.7"
    assert normalise_ip(" 2001:DB8::1 ") == "2001:db8::1"
    assert normalise_ip("testclient") is None


def test_one_row_per_actor_device_and_day(runtime: Runtime) -> None:
    morning = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    with runtime.transaction() as session:
        for at in (morning, morning + timedelta(hours=3)):
            assert record_sighting(session, tenant_id=None, actor_id="k-1", ip="203.0.113.9", user_agent=None, at=at)
        record_sighting(
            session, tenant_id=None, actor_id="k-1", ip="203.0.113.9", user_agent=None, at=morning + timedelta(days=1)
        )
        record_sighting(session, tenant_id=None, actor_id="k-2", ip="203.0.113.9", user_agent=None, at=morning)
        assert not record_sighting(session, tenant_id=None, actor_id="k-3", ip="not-an-address", user_agent=None)
    with runtime.transaction() as session:
        rows = session.scalars(select(DeviceSighting).order_by(DeviceSighting.actor_id, DeviceSighting.day)).all()
    assert [(r.actor_id, r.day.isoformat(), r.requests) for r in rows] == [
        ("k-1", "2026-11-20", 2),
        ("k-1", "2026-11-21", 1),
        ("k-2", "2026-11-20", 1),
    ]
    first = rows[0]
    assert (first.first_seen_at, first.last_seen_at) == (morning, morning + timedelta(hours=3))
    assert first.user_agent == ""
