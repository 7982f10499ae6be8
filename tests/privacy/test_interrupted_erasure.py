"""An erasure killed between the key store's commit and the data's reports, when run again, what a whole run does.

The key store is its own database: destroying a person's key commits at once, before the
step's data transaction. A worker killed in between leaves the key gone and the rows in
place; the step run again must still report the key as destroyed and the rows as deleted.
"""

from __future__ import annotations

import pytest

from omniwise.keys import KeyDestroyed
from omniwise.privacy.contract import Outcome, RequestType, get_contribution
from omniwise.runtime import Runtime
from tests.messaging.helpers import make_contact
from tests.privacy.seed import step


def _erase(runtime: Runtime, email: str) -> list[Outcome]:
    contacts = get_contribution("contacts")
    with step(runtime, RequestType.DELETION) as ctx:
        holdings = contacts.locate(ctx, email=email, tenant_id=None)
    assert len(holdings) == 1
    with step(runtime, RequestType.DELETION) as ctx:
        return contacts.erase(ctx, holdings)


def test_a_contact_whose_key_went_before_a_kill_is_reported_as_a_whole_erasure(runtime: Runtime) -> None:
    make_contact(runtime, email="whole@example.org")
    interrupted = make_contact(runtime, email="interrupted@example.org")
    whole = _erase(runtime, "whole@example.org")

    # the first attempt destroyed the key, then its process died before the data committed
    with step(runtime, RequestType.DELETION) as ctx:
        holdings = get_contribution("contacts").locate(ctx, email="interrupted@example.org", tenant_id=None)
    runtime.keyring.destroy_subject_key(interrupted.subject_id)
    with step(runtime, RequestType.DELETION) as ctx:
        resumed = get_contribution("contacts").erase(ctx, holdings)

    assert resumed == whole
    assert [(o.where.split(" ")[0], o.count) for o in resumed] == [("key", 1), ("platform", 1)]
    with pytest.raises(KeyDestroyed):
        runtime.keyring.cipher(interrupted.tenant_id, interrupted.subject_id)
    # and a third run, with everything gone, reports the same lines with nothing left to count
    with step(runtime, RequestType.DELETION) as ctx:
        again = get_contribution("contacts").erase(ctx, holdings)
    assert [(o.contribution, o.category, o.action, o.where) for o in again] == [
        (o.contribution, o.category, o.action, o.where) for o in whole
    ]
