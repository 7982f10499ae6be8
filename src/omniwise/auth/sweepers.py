"""Retention of API key usage (usage_information): the last-use time of a key unused for the whole period."""

from __future__ import annotations

from omniwise.auth.models import ApiKey
from omniwise.policy.model import Trigger
from omniwise.retention.registry import Sweeper, older_than, register_sweeper, set_values

# the key itself is a credential, not usage data: whatever the policy's action, only its usage
# record (when it was last used) is removed, and the key keeps working
_clear_last_use = set_values(last_used_at=None)

register_sweeper(
    Sweeper(
        name="auth.api_key_usage",
        category="usage_information",
        table=ApiKey.__table__,  # type: ignore[arg-type]
        key=ApiKey.id,
        triggers={Trigger.COLLECTED: older_than(ApiKey.last_used_at)},
        pending=ApiKey.last_used_at.is_not(None),
        anonymise=_clear_last_use,
        delete=_clear_last_use,
        tenant_column=ApiKey.tenant_id,
        describe="API keys: the time of last use is cleared; the key and its label stay",
    )
)
