"""Retention of privacy requests (`privacy_records`, deleted three years after the request closed).

A closed request is kept, without the requester's address (cleared once the last message
left), so that we can show how each request was answered; when the period ends the
request goes with its workflow steps and its one-time tokens, its sealed export archive
if one is left on disk, and the sidebar's link to it. Requests still open are never swept,
however old: their clock has not started. A legal hold on a business keeps its requests.

The rule's `promotional_opt_out` exception is the suppression list's, not a request's.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, delete, update

from omniwise.db import after_commit
from omniwise.policy.model import Trigger
from omniwise.privacy.export import delete_archive
from omniwise.privacy.models import PrivacyRequest, PrivacyRequestStep, PrivacyRequestToken
from omniwise.retention.registry import SweepBatch, Sweeper, batch_keys, older_than, register_sweeper
from omniwise.zendesk.models import ZendeskAppRequest

CATEGORY = "privacy_records"


def _delete_requests(batch: SweepBatch) -> int:
    """The batch's requests with everything that hangs on them, in one statement per table."""
    ids = batch_keys(batch, PrivacyRequest.id)
    if not ids:
        return 0
    session = batch.session
    session.execute(delete(PrivacyRequestStep).where(PrivacyRequestStep.request_id.in_(ids)))
    session.execute(delete(PrivacyRequestToken).where(PrivacyRequestToken.request_id.in_(ids)))
    session.execute(
        update(ZendeskAppRequest).where(ZendeskAppRequest.privacy_request_id.in_(ids)).values(privacy_request_id=None)
    )
    session.execute(update(PrivacyRequest).where(PrivacyRequest.merged_into_id.in_(ids)).values(merged_into_id=None))
    session.execute(update(PrivacyRequest).where(PrivacyRequest.split_from_id.in_(ids)).values(split_from_id=None))
    result = cast("CursorResult[Any]", session.execute(delete(PrivacyRequest).where(PrivacyRequest.id.in_(ids))))
    runtime = batch.runtime

    def remove_archives() -> None:  # files go once the rows are gone for good, not before a rollback
        for request_id in ids:
            delete_archive(runtime, request_id)

    after_commit(session, remove_archives)
    return int(result.rowcount)


register_sweeper(
    Sweeper(
        name="privacy.requests",
        category=CATEGORY,
        table=PrivacyRequest.__table__,  # type: ignore[arg-type]
        key=PrivacyRequest.id,
        triggers={Trigger.REQUEST_CLOSED: older_than(PrivacyRequest.closed_at)},
        delete=_delete_requests,
        tenant_column=PrivacyRequest.tenant_id,
        describe="privacy requests: the closed request with its steps, one-time tokens and export archive",
    )
)
