"""Verification of the chain: every hash, every link, the head row and the anchor."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniwise.audit.anchor import AnchorSink
from omniwise.audit.chain import GENESIS_HASH, event_hash
from omniwise.audit.models import AuditEvent, AuditHead


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    events_checked: int
    first_bad_seq: int | None = None
    reason: str | None = None

    def describe(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.events_checked} events verified"
        return f"audit chain broken at event {self.first_bad_seq}: {self.reason}"


def verify_chain(session: Session, anchor_sink: AnchorSink | None = None) -> VerifyResult:
    """Walk the chain in order and stop at the first event that does not verify."""
    expected_seq, prev, checked = 1, GENESIS_HASH, 0
    hashes_seen: dict[int, str] = {}
    anchor = anchor_sink.read() if anchor_sink is not None else None
    stmt = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=2000)
    for event in session.scalars(stmt):
        if event.seq != expected_seq:
            return VerifyResult(False, checked, expected_seq, f"event {expected_seq} is missing")
        if event.prev_hash != prev:
            return VerifyResult(False, checked, event.seq, "link to the previous event is broken")
        if event_hash(prev, event) != event.hash:
            return VerifyResult(False, checked, event.seq, "event content does not match its hash")
        prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
        if anchor is not None and event.seq == anchor.seq:
            hashes_seen[event.seq] = event.hash
    last_seq = expected_seq - 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != last_seq or head.hash != prev):
        if head.seq > last_seq:
            return VerifyResult(
                False, checked, last_seq + 1, f"events after {last_seq} were removed (head says {head.seq})"
            )
        return VerifyResult(False, checked, head.seq, "the chain head does not match the newest event")
    if head is None and checked:
        return VerifyResult(False, checked, 1, "the chain head row is missing")
    if anchor is not None:
        if anchor.seq > last_seq:
            return VerifyResult(
                False, checked, last_seq + 1, f"events after {last_seq} were removed (anchor says {anchor.seq})"
            )
        if hashes_seen.get(anchor.seq, anchor.hash) != anchor.hash:
            return VerifyResult(False, checked, anchor.seq, "event differs from the anchored hash")
    return VerifyResult(True, checked)
