"""The suppression list keeps an opt-out ten years, then the retention sweep deletes its keyed hash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from omniwise.auth.actor import SYSTEM
from omniwise.messaging.models import Suppression
from omniwise.messaging.suppression import suppress_address
from omniwise.retention.sweep import run_retention
from omniwise.runtime import Runtime


def test_an_opt_out_goes_ten_years_after_it_was_made(runtime: Runtime) -> None:
    now = datetime.now(UTC)
    with runtime.transaction() as session:
        old = suppress_address(session, runtime.keyring, email="old@example.org", reason="unsubscribe", actor=SYSTEM)
        recent = suppress_address(
            session, runtime.keyring, email="recent@example.org", reason="unsubscribe", actor=SYSTEM
        )
        old_id, recent_id = old.id, recent.id
        session.execute(
            update(Suppression).where(Suppression.id == old_id).values(created_at=now - timedelta(days=3660 + 5))
        )
        session.execute(
            update(Suppression).where(Suppression.id == recent_id).values(created_at=now - timedelta(days=9 * 365))
        )

    run_retention(runtime, dry_run=False, started_by="test", actor=SYSTEM, categories=["privacy_records"])

    with runtime.transaction() as session:
        left = set(session.scalars(select(Suppression.id)))
    assert old_id not in left
    assert recent_id in left
