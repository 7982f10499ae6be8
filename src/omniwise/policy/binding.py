"""The policy a session enforces: bound by the runtime, else the process's configured file."""

from __future__ import annotations

from sqlalchemy.orm import Session

from omniwise.policy.loader import load_policy
from omniwise.policy.model import Policy

POLICY_KEY = "omniwise_policy"


def bind_policy(session: Session, policy: Policy) -> None:
    session.info[POLICY_KEY] = policy


def policy_for(session: Session) -> Policy:
    """The runtime binds its policy to every session it opens; a bare session gets the configured file."""
    bound = session.info.get(POLICY_KEY)
    if isinstance(bound, Policy):
        return bound
    from omniwise.config import get_settings

    return load_policy(get_settings().policy_file)
