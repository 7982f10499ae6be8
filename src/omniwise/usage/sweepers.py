"""Retention of usage events (usage_information): after the period the actor id goes, the counts stay.

Customer usage data (how a business's customers use the apps) has a rule in the policy but
no table: the events here are calls of the business's own users and keys.
"""

from __future__ import annotations

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
from omniwise.usage.models import UsageEvent

register_sweeper(
    Sweeper(
        name="usage.events",
        category="usage_information",
        table=UsageEvent.__table__,  # type: ignore[arg-type]
        key=UsageEvent.id,
        triggers={Trigger.COLLECTED: older_than(UsageEvent.occurred_at)},
        # an event without an actor id is already anonymous: nothing left to do for it
        pending=UsageEvent.actor_id.is_not(None),
        # the access time is generalised to its day, which the daily rollups count by anyway
        anonymise=set_values(actor_id=None, actor_type=None, occurred_at=start_of_day(UsageEvent.occurred_at)),
        delete=delete_rows,
        tenant_column=UsageEvent.tenant_id,
        describe="usage events: the actor id is dropped and the time cut to the day; feature, outcome, tenant stay",
    )
)

declare_nothing_stored(
    "customer_usage_data",
    reason=(
        "no table holds it, since none of the applications records how a business's customers use them "
        "(as the policy's note says); usage events are those of the business's own users"
    ),
)
