"""What messaging contributes to privacy requests: the messages sent to a person, and their opt-out.

- **Outbox**: a message row holds ids, a template and parameters with no personal data,
  never the address or the body (the text is rendered at send time and not stored). It
  points at its recipient's data subject, so the person is found through the contacts
  that have their address. Access lists the messages (ids, template, kind, purpose,
  status, dates); deletion removes the rows in one statement per business.
- **Suppression list**: a keyed hash of the address, with no link to the person. Access
  shows whether the address is on it; deletion keeps it, as the policy's
  `promotional_opt_out` exception says (erasing it would put the person back on the
  lists), until that exception's period ends; an opt-out puts the address on it, so
  promotional mail to it is skipped while transactional mail (account, billing, request
  status, notice changes) still goes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.contacts import repository as contact_rows
from omniwise.contacts import service as contacts
from omniwise.messaging import repository
from omniwise.messaging.models import OutboxMessage, Suppression
from omniwise.messaging.suppression import address_hmac, suppress_address
from omniwise.policy.binding import policy_for
from omniwise.policy.enforcement import require_purpose
from omniwise.policy.model import Policy
from omniwise.privacy.contract import (
    ExportSection,
    Holding,
    Outcome,
    StepContext,
    SubjectRole,
    contribution,
    iso,
    record_schema,
)

NAME = "messaging"
WHERE = "platform database"
PRIVACY_RECORDS = "privacy_records"
OPT_OUT_EXCEPTION = "promotional_opt_out"
OUTBOX_KEY = "outbox:"
SUPPRESSION_KEY = "suppression:"
REASON = "privacy_request"

MESSAGES_SCHEMA = record_schema(
    "A message sent (or to be sent) to you; its text is not stored",
    {
        "message_id": ("string", False),
        "tenant_id": ("string", False),
        "template": ("string", False),
        "kind": ("string", False),
        "purpose": ("string", False),
        "status": ("string", False),
        "created_at": ("string", False),
        "sent_at": ("string", True),
    },
)
SUPPRESSIONS_SCHEMA = record_schema(
    "Your opt-out from promotional messages, kept as a keyed fingerprint of your address",
    {
        "suppression_id": ("string", False),
        "reason": ("string", False),
        "created_at": ("string", False),
        "kept_until": ("string", True),
    },
)


def _check(ctx: StepContext, category: str, tenant_id: uuid.UUID | None) -> None:
    require_purpose(
        ctx.session,
        policy_for(ctx.session),
        category=category,
        purpose=ctx.purpose,
        actor=ctx.actor,
        tenant_id=tenant_id,
    )


def opt_out_rule(policy: Policy) -> tuple[str, Any]:
    """(reason, rule) that keeps an opt-out after erasure: the policy's legal exception, in its words."""
    category = policy.categories_by_id[PRIVACY_RECORDS]
    assert category.retention is not None
    for exception in category.retention.exceptions:
        if exception.id == OPT_OUT_EXCEPTION:
            return f"{exception.applies_to} is kept: {exception.law}", exception
    return f"kept for the retention period of {PRIVACY_RECORDS}", category.retention


def kept_until(policy: Policy, row: Suppression) -> date:
    """When the opt-out goes: the exception's period from the entry's last activity (its creation)."""
    _, rule = opt_out_rule(policy)
    return rule.duration.after(row.created_at).date()  # type: ignore[no-any-return]


def _subjects(holding: Holding) -> list[uuid.UUID]:
    return [uuid.UUID(part) for part in holding.key.removeprefix(OUTBOX_KEY).split(",") if part]


def _suppression(session: Session, holding: Holding) -> Suppression | None:
    return session.get(Suppression, uuid.UUID(holding.key.removeprefix(SUPPRESSION_KEY)))


def _audit(ctx: StepContext, holding: Holding | None, action: str, **details: object) -> None:
    record(
        ctx.session,
        AuditEntry(
            name=f"privacy:messaging:{action}",
            actor_type=ctx.actor.kind,
            actor_id=ctx.actor.id,
            tenant_id=holding.tenant_id if holding else None,
            purpose=ctx.purpose,
            object_type="messaging_holding",
            object_id=holding.key if holding else None,
            details={"request_id": str(ctx.request_id), **details},
        ),
    )


def _message(row: OutboxMessage) -> dict[str, Any]:
    return {
        "message_id": str(row.id),
        "tenant_id": str(row.tenant_id),
        "template": row.template,
        "kind": row.kind,
        "purpose": row.purpose,
        "status": row.status,
        "created_at": iso(row.created_at),
        "sent_at": iso(row.sent_at),
    }


@contribution
class MessagingContribution:
    """Messages queued and sent to a person's address, and the promotional opt-out of that address."""

    name = NAME

    def locate(self, ctx: StepContext, *, email: str, tenant_id: uuid.UUID | None) -> list[Holding]:
        holdings = []
        tenants = [tenant_id] if tenant_id is not None else contact_rows.tenants_with_contacts(ctx.session)
        for tenant in tenants:
            _check(ctx, contacts.CATEGORY, tenant)
            people = [
                c.subject_id
                for c in contacts.find_by_email(ctx.session, ctx.runtime.keyring, tenant_id=tenant, email=email)
            ]
            count = repository.count_messages_of(ctx.session, tenant_id=tenant, subject_ids=people) if people else 0
            if count:
                holdings.append(
                    Holding(
                        contribution=NAME,
                        category=contacts.CATEGORY,
                        role=SubjectRole.CONTROLLER,
                        tenant_id=tenant,
                        subject_id=people[0] if len(people) == 1 else None,
                        key=OUTBOX_KEY + ",".join(str(p) for p in people),
                        records=count,
                        description=f"messages to the contact(s) of tenant {tenant}",
                    )
                )
        _check(ctx, PRIVACY_RECORDS, tenant_id)
        entry = ctx.session.scalar(
            select(Suppression).where(Suppression.address_hmac == address_hmac(ctx.runtime.keyring, email))
        )
        if entry is not None:
            holdings.append(
                Holding(
                    contribution=NAME,
                    category=PRIVACY_RECORDS,
                    role=SubjectRole.CONTROLLER,
                    tenant_id=None,
                    subject_id=None,
                    key=f"{SUPPRESSION_KEY}{entry.id}",
                    records=1,
                    description=f"suppression list entry {entry.id} (a keyed fingerprint of the address)",
                )
            )
        return holdings

    def export(self, ctx: StepContext, holdings: list[Holding]) -> Iterator[ExportSection]:
        outbox = [h for h in holdings if h.key.startswith(OUTBOX_KEY)]
        entries = [h for h in holdings if h.key.startswith(SUPPRESSION_KEY)]
        if outbox:
            yield ExportSection(
                name="messages",
                category=contacts.CATEGORY,
                title="Messages we sent you",
                schema=MESSAGES_SCHEMA,
                records=self._messages(ctx, outbox),
            )
        if entries:
            yield ExportSection(
                name="promotional_opt_outs",
                category=PRIVACY_RECORDS,
                title="Your opt-out from promotional messages",
                schema=SUPPRESSIONS_SCHEMA,
                records=self._suppressions(ctx, entries),
            )

    def _messages(self, ctx: StepContext, holdings: list[Holding]) -> Iterator[dict[str, Any]]:
        for holding in holdings:
            assert holding.tenant_id is not None
            _check(ctx, contacts.CATEGORY, holding.tenant_id)
            rows = repository.messages_of(ctx.session, tenant_id=holding.tenant_id, subject_ids=_subjects(holding))
            _audit(ctx, holding, "exported", messages=len(rows))
            yield from (_message(row) for row in rows)

    def _suppressions(self, ctx: StepContext, holdings: list[Holding]) -> Iterator[dict[str, Any]]:
        policy = policy_for(ctx.session)
        for holding in holdings:
            _check(ctx, PRIVACY_RECORDS, None)
            row = _suppression(ctx.session, holding)
            if row is None:
                continue
            _audit(ctx, holding, "exported")
            yield {
                "suppression_id": str(row.id),
                "reason": row.reason,
                "created_at": iso(row.created_at),
                "kept_until": iso(kept_until(policy, row)),
            }

    def erase(self, ctx: StepContext, holdings: list[Holding]) -> list[Outcome]:
        outcomes = []
        outbox = [h for h in holdings if h.key.startswith(OUTBOX_KEY)]
        if outbox:
            deleted = 0
            for holding in outbox:
                assert holding.tenant_id is not None
                _check(ctx, contacts.CATEGORY, holding.tenant_id)
                gone = repository.delete_messages_of(
                    ctx.session, tenant_id=holding.tenant_id, subject_ids=_subjects(holding)
                )
                _audit(ctx, holding, "erased", messages=gone)
                deleted += gone
            outcomes.append(Outcome(NAME, contacts.CATEGORY, "deleted", WHERE, deleted))
        policy = policy_for(ctx.session)
        reason, _ = opt_out_rule(policy)
        for holding in holdings:
            if not holding.key.startswith(SUPPRESSION_KEY):
                continue
            row = _suppression(ctx.session, holding)
            if row is None:
                continue  # its own period ended in between: the retention sweep took it
            _audit(ctx, holding, "kept", rule=f"{PRIVACY_RECORDS}.{OPT_OUT_EXCEPTION}")
            outcomes.append(
                Outcome(NAME, PRIVACY_RECORDS, "kept", WHERE, 1, reason=reason, until=kept_until(policy, row))
            )
        return outcomes

    def correctable(self) -> Mapping[str, str]:
        return {}  # nothing here a person could correct: the address lives with the contact

    def check_changes(self, changes: Mapping[str, str]) -> None:
        return None  # nothing here is corrected

    def correct(self, ctx: StepContext, holdings: list[Holding]) -> list[Outcome]:
        return []

    def opt_out(self, ctx: StepContext, holdings: list[Holding], *, email: str) -> list[Outcome]:
        """Put the address on the suppression list (once: a second opt-out keeps the first entry)."""
        _check(ctx, PRIVACY_RECORDS, None)
        entry = suppress_address(ctx.session, ctx.runtime.keyring, email=email, reason=REASON, actor=ctx.actor)
        _audit(ctx, None, "suppressed", suppression_id=str(entry.id))
        return [Outcome(NAME, PRIVACY_RECORDS, "suppressed", WHERE, 1)]
