"""At start-up the service says so when the policy it enforces is not the notice people can read."""

from __future__ import annotations

from omniwise.auth.actor import Actor
from omniwise.policy.history import publication_warning
from omniwise.policy.service import publish
from omniwise.runtime import Runtime
from tests.policy.helpers import shipped_policy, variant

PUBLISHER = Actor(kind="system", id="test-publisher", role=None)
LONGER = (
    "      period: P13M\n      trigger: collected\n      action: delete\n",
    "      period: P2Y\n      trigger: collected\n      action: delete\n",
)


def test_warns_until_published_and_again_after_an_edit(runtime: Runtime) -> None:
    shipped = shipped_policy()
    with runtime.transaction() as session:
        warning = publication_warning(session, policy=shipped)
    assert warning is not None
    assert "no version of the privacy notice is published" in warning

    with runtime.transaction() as session:
        publish(session, shipped, actor=PUBLISHER)
    with runtime.transaction() as session:
        assert publication_warning(session, policy=shipped) is None

    with runtime.transaction() as session:
        edited = publication_warning(session, policy=variant(LONGER))
    assert edited is not None
    assert "differs from published notice version 1" in edited
    assert "1 significant" in edited
    assert "omniwise policy diff 1" in edited
