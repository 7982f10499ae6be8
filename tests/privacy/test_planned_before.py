"""A request planned before the archive step counted its own sections still finishes, each section counted once.

Such a request has an `export` step per part holding the person, ahead of its archive; a
store upgraded while it waits must carry it through without reporting its records twice.
"""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from omniwise.auth.roles import Role
from omniwise.privacy.models import PrivacyRequest, StepStatus
from omniwise.privacy.workflow import _add_step, queue_next, steps_of
from omniwise.runtime import Runtime
from omniwise.worker import JobStatus
from omniwise.worker.runner import run_job
from tests.factories import api_token, auth, create_contact, create_tenant
from tests.privacy.helpers import new_request

EMAIL = "ada.subject@example.org"
EARLIER_PLAN = [("export", "contacts"), ("archive", None), ("report", None), ("notify", None)]


def _run_next(runtime: Runtime, request_id: uuid.UUID) -> bool:
    """Run the next pending step's job; False once there is none."""
    with runtime.transaction() as session:
        pending = [s for s in steps_of(session, request_id) if s.status == StepStatus.PENDING.value]
        job_id = pending[0].job_id if pending else None
    if job_id is None:
        return False
    assert run_job(runtime, job_id) is JobStatus.SUCCEEDED
    return True


def test_an_access_request_planned_with_export_steps_completes_counted_once(
    client: TestClient, runtime: Runtime
) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    officer = api_token(runtime, Role.PRIVACY_OFFICER)
    tenant = create_tenant(client, admin)
    create_contact(client, admin, tenant, email=EMAIL)
    request_id = uuid.UUID(new_request(client, officer, tenant, EMAIL, "access")["id"])
    assert _run_next(runtime, request_id)  # locate

    with runtime.transaction() as session:  # the plan as it was made before
        request = session.get(PrivacyRequest, request_id)
        assert request is not None
        for step in steps_of(session, request_id):
            if step.status == StepStatus.PENDING.value:
                session.delete(step)
        session.flush()
        for position, (name, part) in enumerate(EARLIER_PLAN, start=1):
            _add_step(session, request, position, name, part)
        session.flush()
        queue_next(session, request)

    for _ in range(len(EARLIER_PLAN)):
        assert _run_next(runtime, request_id)
    assert not _run_next(runtime, request_id)

    done = client.get(f"/api/v1/privacy-requests/{request_id}", headers=auth(officer)).json()
    assert done["status"] == "completed"
    assert [s["name"] for s in done["steps"]] == ["locate", "export", "archive", "report", "notify"]
    exported = [line for line in done["report"] if line["action"] == "exported"]
    assert [(line["contribution"], line["where"], line["count"]) for line in exported] == [("contacts", "contacts", 1)]
    assert client.get(f"/api/v1/privacy-requests/{request_id}/export", headers=auth(officer)).status_code == 200
