"""What usage events contribute to privacy requests (usage information; Omni Wise is the controller).

A usage event names who used a feature by id only. For a person who signs in, that id
is their account's, so their events are found through the account with their address
(`users.privacy.account_for`). Events made with an API key name the key, which belongs
to a business rather than to a person, so they are not anyone's here. Access lists the
events still naming the account; deletion anonymises them in one statement (the id goes;
the event counts towards totals only, as the retention sweep leaves it after 13 months).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from omniwise.policy.binding import policy_for
from omniwise.policy.enforcement import require_purpose
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
from omniwise.usage import repository
from omniwise.users.privacy import account_for

NAME = "usage"
CATEGORY = "usage_information"
WHERE = "platform database"

SCHEMA = record_schema(
    "A use of a feature of the platform by your account",
    {
        "tenant_id": ("string", True),
        "feature": ("string", False),
        "outcome": ("string", False),
        "occurred_at": ("string", False),
    },
)


def _check(ctx: StepContext, tenant_id: uuid.UUID | None) -> None:
    require_purpose(
        ctx.session,
        policy_for(ctx.session),
        category=CATEGORY,
        purpose=ctx.purpose,
        actor=ctx.actor,
        tenant_id=tenant_id,
    )


@contribution
class UsageContribution:
    """Usage events that still name a person's account."""

    name = NAME

    def locate(self, ctx: StepContext, *, email: str, tenant_id: uuid.UUID | None) -> list[Holding]:
        _check(ctx, tenant_id)
        user = account_for(ctx, email=email, tenant_id=tenant_id)
        if user is None:
            return []
        count = repository.count_of_account(ctx.session, user_id=user.id)
        if not count:
            return []
        return [
            Holding(
                contribution=NAME,
                category=CATEGORY,
                role=SubjectRole.CONTROLLER,
                tenant_id=user.tenant_id,
                subject_id=user.subject_id,
                key=str(user.id),
                records=count,
                description=f"usage events of account {user.id}",
            )
        ]

    def export(self, ctx: StepContext, holdings: list[Holding]) -> Iterator[ExportSection]:
        if holdings:
            yield ExportSection(
                name="usage_events",
                category=CATEGORY,
                title="How your account used our applications",
                schema=SCHEMA,
                records=self._records(ctx, holdings),
            )

    def _records(self, ctx: StepContext, holdings: list[Holding]) -> Iterator[dict[str, Any]]:
        for holding in holdings:
            _check(ctx, holding.tenant_id)
            for event in repository.events_of_account(ctx.session, user_id=uuid.UUID(holding.key)):
                yield {
                    "tenant_id": str(event.tenant_id) if event.tenant_id else None,
                    "feature": event.feature,
                    "outcome": event.outcome,
                    "occurred_at": iso(event.occurred_at),
                }

    def erase(self, ctx: StepContext, holdings: list[Holding]) -> list[Outcome]:
        if not holdings:
            return []
        done = 0
        for holding in holdings:
            _check(ctx, holding.tenant_id)
            done += repository.anonymise_account(ctx.session, user_id=uuid.UUID(holding.key))
        return [Outcome(NAME, CATEGORY, "anonymised", WHERE, done)]

    def correctable(self) -> Mapping[str, str]:
        return {}  # a record of what happened is not corrected

    def check_changes(self, changes: Mapping[str, str]) -> None:
        return None  # nothing here is corrected

    def correct(self, ctx: StepContext, holdings: list[Holding]) -> list[Outcome]:
        return []

    def opt_out(self, ctx: StepContext, holdings: list[Holding], *, email: str) -> list[Outcome]:
        return []
