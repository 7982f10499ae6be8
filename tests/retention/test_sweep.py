"""A sweep removes exactly what the policy says, explains itself when dry, and nothing under a hold."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from omniwise.audit import verify_chain
from omniwise.audit.models import AuditEvent
from omniwise.auth.actor import SYSTEM
from omniwise.auth.models import ApiKey
from omniwise.consent.models import ConsentRecord
from omniwise.contacts.models import Contact
from omniwise.devices.models import DeviceSighting
from omniwise.kit.clock import utcnow
from omniwise.retention.models import RetentionRun, RetentionRunCategory
from omniwise.retention.schemas import HoldCreate, HoldScope
from omniwise.retention.service import create_hold, heartbeat, release_hold
from omniwise.retention.sweep import run_retention
from omniwise.runtime import Runtime
from omniwise.subjects.models import DataSubject
from omniwise.tenants.models import Tenant
from omniwise.tenants.sweepers import ERASED_NAME
from omniwise.usage.models import UsageEvent
from tests.retention.helpers import World, build_world

SWEEPERS = (
    "tenants.business_details",
    "contacts.closed_accounts",
    "auth.api_key_usage",
    "usage.events",
    "devices.sightings",
    "consent.records",
)


def _rows(runtime: Runtime, run_id: uuid.UUID) -> dict[str, RetentionRunCategory]:
    with runtime.transaction() as session:
        run = session.get(RetentionRun, run_id)
        assert run is not None
        assert run.status == "completed"
        return {row.sweeper or f"{row.category}/{row.exception}": row for row in run.categories}


def _count(runtime: Runtime, model: type, *where: object) -> int:
    with runtime.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)  # type: ignore[arg-type]


def _readable(runtime: Runtime, world: World, name: str) -> bool:
    _, subject = world.contacts[name]
    return runtime.keyring.has_subject_key(subject) and _count(runtime, Contact, Contact.subject_id == subject) == 1


def test_dry_run_counts_and_explains_without_changing_anything(runtime: Runtime) -> None:
    world = build_world(runtime)
    rows = _rows(runtime, run_retention(runtime, dry_run=True, started_by="cli", actor=SYSTEM))

    expected = {
        "tenants.business_details": 1,
        "contacts.closed_accounts": 3,
        "auth.api_key_usage": 1,
        "usage.events": 3,  # the old event with no actor is already anonymous
        "devices.sightings": 2,
        "consent.records": 2,
    }
    assert {name: rows[name].candidates for name in SWEEPERS} == expected
    assert all(rows[name].deleted == rows[name].anonymised == 0 for name in SWEEPERS)
    # rules this platform stores nothing for are listed with the reason, not silently left out
    unstored = rows["customer_usage_data/None"]
    assert unstored.sweeper is None
    assert unstored.note is not None
    assert unstored.note.startswith("nothing to sweep: no table holds it")
    assert rows["privacy.requests"].candidates == 0
    assert rows["messaging.suppressions"].candidates == 0  # no opt-out is ten years old
    assert rows["business_details/tax_records"].period == "P10Y"
    for name in world.contacts:
        assert _readable(runtime, world, name)
    assert _count(runtime, UsageEvent, UsageEvent.actor_id.is_not(None)) == 5
    assert _count(runtime, ConsentRecord) == 3
    with runtime.transaction() as session:
        assert heartbeat(session).ok is False  # a dry run is no proof that retention runs


def test_a_real_run_removes_exactly_what_the_policy_says(runtime: Runtime) -> None:
    world = build_world(runtime)
    run_id = run_retention(runtime, dry_run=False, started_by="cli", actor=SYSTEM, batch_size=2)
    rows = _rows(runtime, run_id)

    # contacts: erased 30 days after the account closed, by destroying each person's key
    assert rows["contacts.closed_accounts"].deleted == 3
    assert [n for n in world.contacts if _readable(runtime, world, n)] == ["open", "recent"]
    with runtime.transaction() as session:
        erased = session.scalars(select(DataSubject).where(DataSubject.erased_at.is_not(None))).all()
        assert {s.id for s in erased} == {world.contacts[n][1] for n in ("sixty", "old1", "old2")}
        # business details: a year after closure, and only then
        old = session.get(Tenant, world.closed_400_days)
        sixty = session.get(Tenant, world.closed_60_days)
        assert old is not None
        assert sixty is not None
        assert (old.name, old.address, old.industry, old.organisation, old.status) == (
            ERASED_NAME,
            None,
            None,
            {},
            "erased",
        )
        assert (sixty.name, sixty.address) == ("Sixty Ltd", "1 High Street, Dover")
        # usage: the actor ids of old events are gone, the events (and so the totals) remain
        events = session.execute(select(UsageEvent.occurred_at, UsageEvent.actor_id)).all()
        assert len(events) == 6
        assert all(actor is None for at, actor in events if at < world.now - timedelta(days=396))
        # and their access times are cut to the day (the event that had no actor was not touched)
        old_times = [at.timetz() for at, _ in events if at < world.now - timedelta(days=396)]
        assert sorted(t == time(0, tzinfo=UTC) for t in old_times) == [False, True, True, True]
        assert sorted(actor for at, actor in events if at > world.now - timedelta(days=30)) == ["k-1", "k-2"]
        # device data: full address and user agent dropped after 90 days, the network and families kept
        sightings = {s.ip_network: s for s in session.scalars(select(DeviceSighting))}
        assert set(sightings) == {"203.0.113.0/24", "2001:db8:1::/48", "198.51.100.0/24"}
        for network in ("203.0.113.0/24", "2001:db8:1::/48"):
            gone = sightings[network]
            assert (gone.ip_address, gone.user_agent, gone.actor_id) == (None, None, None)
            assert (gone.browser_family, gone.os_family) == ("Firefox", "Linux")
            assert gone.last_seen_at == datetime.combine(gone.day, time(0), tzinfo=UTC)
        assert sightings["198.51.100.0/24"].ip_address == "198.51.100.5"
        # cookies: consent records deleted after 13 months
        assert session.scalar(select(func.count()).select_from(ConsentRecord)) == 1
        # API keys: the old key's last use forgotten, the key itself kept
        keys = {k.id: k for k in session.scalars(select(ApiKey))}
        assert keys[world.old_key].last_used_at is None  # type: ignore[index]
        assert keys[world.fresh_key].last_used_at is not None  # type: ignore[index]
        names = [e.name for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
        assert names.count("privacy:subject:erased") == 3
        assert names.count("retention:category:swept") == 6
        assert names[-1] == "retention:run:completed"
        assert verify_chain(session, runtime.anchor_sink).ok
        assert heartbeat(session).ok is True
        assert heartbeat(session, now=utcnow() + timedelta(days=3)).ok is False  # a sweep that stopped running

    assert rows["tenants.business_details"].deleted == 1
    assert rows["usage.events"].anonymised == 3
    assert rows["devices.sightings"].anonymised == 2
    assert rows["consent.records"].deleted == 2
    assert rows["auth.api_key_usage"].anonymised == 1

    # a second run finds nothing left to do
    again = _rows(runtime, run_retention(runtime, dry_run=False, started_by="cli", actor=SYSTEM))
    assert {name: again[name].candidates for name in SWEEPERS} == dict.fromkeys(SWEEPERS, 0)


def _hold(runtime: Runtime, **fields: object) -> uuid.UUID:
    with runtime.transaction() as session:
        data = HoldCreate(reason="litigation 2026-17", ends_at=utcnow() + timedelta(days=30), **fields)  # type: ignore[arg-type]
        return create_hold(session, actor=SYSTEM, data=data).id


def test_nothing_under_a_hold_is_touched_and_each_skip_is_counted(runtime: Runtime) -> None:
    world = build_world(runtime)
    tenant_hold = _hold(runtime, scope=HoldScope.TENANT, tenant_id=world.closed_400_days)
    subject_hold = _hold(runtime, scope=HoldScope.SUBJECT, subject_id=world.contacts["sixty"][1])
    category_hold = _hold(runtime, scope=HoldScope.CATEGORY, category="usage_information")
    released = _hold(runtime, scope=HoldScope.CATEGORY, category="cookies")
    with runtime.transaction() as session:
        release_hold(session, actor=SYSTEM, hold_id=released)

    rows = _rows(runtime, run_retention(runtime, dry_run=False, started_by="cli", actor=SYSTEM))

    assert all(_readable(runtime, world, n) for n in world.contacts)
    contacts = rows["contacts.closed_accounts"]
    assert (contacts.candidates, contacts.deleted, contacts.skipped_by_hold) == (3, 0, 3)
    assert {(h.hold_id, h.rows) for h in contacts.holds} == {(tenant_hold, 2), (subject_hold, 1)}
    details = rows["tenants.business_details"]
    assert (details.candidates, details.deleted, details.skipped_by_hold) == (1, 0, 1)
    for name in ("usage.events", "auth.api_key_usage"):
        assert rows[name].anonymised == 0
        assert rows[name].skipped_by_hold == rows[name].candidates > 0
        assert [h.hold_id for h in rows[name].holds] == [category_hold]
        assert rows[name].note == "the whole category is under a legal hold"
    assert _count(runtime, UsageEvent, UsageEvent.actor_id.is_not(None)) == 5
    # the released hold kept nothing
    assert rows["consent.records"].deleted == 2

    with runtime.transaction() as session:
        release_hold(session, actor=SYSTEM, hold_id=tenant_hold)
    rows = _rows(runtime, run_retention(runtime, dry_run=False, started_by="cli", actor=SYSTEM))
    assert rows["contacts.closed_accounts"].deleted == 2
    assert rows["contacts.closed_accounts"].skipped_by_hold == 1
    assert [n for n in world.contacts if _readable(runtime, world, n)] == ["open", "recent", "sixty"]


def test_a_lapsed_hold_keeps_nothing(runtime: Runtime) -> None:
    world = build_world(runtime)
    _hold(runtime, scope=HoldScope.TENANT, tenant_id=world.closed_400_days)
    later = utcnow() + timedelta(days=31)
    rows = _rows(runtime, run_retention(runtime, dry_run=True, started_by="cli", actor=SYSTEM, now=later))
    assert rows["contacts.closed_accounts"].skipped_by_hold == 0


def test_a_stopped_sweep_loses_nothing_and_a_rerun_finishes_it(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(runtime)
    import omniwise.contacts.sweepers as contact_sweepers

    real = contact_sweepers.erase_subjects
    calls = {"n": 0}

    def stopped_on_the_second_batch(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        if calls["n"] == 2:
            raise KeyboardInterrupt  # after the keys went, before the batch's rows were committed
        return result

    monkeypatch.setattr(contact_sweepers, "erase_subjects", stopped_on_the_second_batch)
    with pytest.raises(KeyboardInterrupt):
        run_retention(
            runtime, dry_run=False, started_by="cli", actor=SYSTEM, categories=["contact_information"], batch_size=1
        )
    with runtime.transaction() as session:
        stopped = session.scalars(select(RetentionRun)).one()
        assert stopped.status == "failed"
        assert stopped.error is not None
        assert stopped.error.startswith("KeyboardInterrupt")
        assert stopped.categories[0].deleted == 1  # the committed batch is counted, the interrupted one not
    # the second person's key is destroyed (unreadable from that instant); their row is still there
    assert _count(runtime, Contact) == 4
    monkeypatch.setattr(contact_sweepers, "erase_subjects", real)

    rows = _rows(
        runtime,
        run_retention(
            runtime, dry_run=False, started_by="cli", actor=SYSTEM, categories=["contact_information"], batch_size=1
        ),
    )
    assert (rows["contacts.closed_accounts"].candidates, rows["contacts.closed_accounts"].deleted) == (2, 2)
    assert [n for n in world.contacts if _readable(runtime, world, n)] == ["open", "recent"]
    assert _count(runtime, Contact) == 2


def test_a_failing_batch_is_counted_and_the_others_still_run(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    world = build_world(runtime)
    import omniwise.contacts.sweepers as contact_sweepers

    real = contact_sweepers.erase_subjects
    calls = {"n": 0}

    def first_batch_fails(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ValueError("ada@example.org")  # an error whose text must not reach the record
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(contact_sweepers, "erase_subjects", first_batch_fails)
    rows = _rows(
        runtime,
        run_retention(
            runtime, dry_run=False, started_by="cli", actor=SYSTEM, categories=["contact_information"], batch_size=1
        ),
    )
    row = rows["contacts.closed_accounts"]
    assert (row.candidates, row.deleted, row.errors) == (3, 2, 1)
    assert row.note is not None
    assert row.note.startswith("1 batch(es) failed, last with ValueError")
    assert "example.org" not in row.note
    assert sum(_readable(runtime, world, n) for n in world.contacts) == 3


def test_unknown_category_is_refused(runtime: Runtime) -> None:
    from omniwise.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="'nonsense' is not a category"):
        run_retention(runtime, dry_run=True, started_by="cli", actor=SYSTEM, categories=["nonsense"])
