"""Publishing versions of the notice, notifying every contact of a significant change, and reading versions."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from omniwise.audit.models import AuditEvent
from omniwise.auth.actor import Actor
from omniwise.auth.roles import Role
from omniwise.cli.main import app
from omniwise.messaging.models import OutboxMessage
from omniwise.policy.model import Policy
from omniwise.policy.service import PublishResult, publish
from omniwise.runtime import Runtime
from omniwise.worker import Job
from tests.cli.env import cli_env  # noqa: F401  (the fixture)
from tests.factories import api_token, auth, create_contact, create_tenant
from tests.policy.helpers import SHIPPED_FILE, edit, shipped_policy, shipped_text, variant, write

PUBLISHER = Actor(kind="system", id="test-publisher", role=None)
WORDING = ("    Omni Wise builds applications", "    Omni Wise makes applications")
LONGER = (
    "      period: P13M\n      trigger: collected\n      action: delete\n",
    "      period: P2Y\n      trigger: collected\n      action: delete\n",
)


def _publish(runtime: Runtime, policy: Policy) -> PublishResult:
    with runtime.transaction() as session:
        return publish(session, policy, actor=PUBLISHER)


def _outbox(runtime: Runtime) -> list[OutboxMessage]:
    with runtime.transaction() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at)))


def test_a_significant_change_notifies_every_contact_of_every_tenant(client: TestClient, runtime: Runtime) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    first_tenant = create_tenant(client, admin, name="Acme")
    second_tenant = create_tenant(client, admin, name="Beta", region="tr")
    contacts = {
        create_contact(client, admin, first_tenant, email="ada@example.org"),
        create_contact(client, admin, first_tenant, email="alan@example.org"),
        create_contact(client, admin, second_tenant, email="grace@example.org"),
    }

    first = _publish(runtime, shipped_policy())
    assert (first.version, first.created, first.significant, first.notified) == (1, True, False, 0)
    again = _publish(runtime, shipped_policy())
    assert (again.version, again.created, again.notified) == (1, False, 0)

    wording = variant(WORDING)
    second = _publish(runtime, wording)
    assert (second.version, second.significant, second.notified) == (2, False, 0)
    assert [c.kind.value for c in second.changes] == ["wording_changed"]
    assert _outbox(runtime) == []  # a wording change notifies no one

    third = _publish(runtime, variant(WORDING, LONGER))
    assert (third.version, third.significant, third.notified) == (3, True, 3)
    messages = _outbox(runtime)
    assert {m.recipient_id for m in messages} == contacts
    for message in messages:
        assert (message.template, message.kind, message.purpose, message.status) == (
            "notice_changed",
            "transactional",
            "legal_compliance",
            "queued",
        )
        assert message.category == "contact_information"
        assert message.params["version"] == 3
        assert message.params["previous_version"] == 2
        assert message.params["changes"] == [
            "'Cookies and similar technologies' is kept for 2 years instead of 13 months"
        ]
        assert "@" not in repr(message.params)
    with runtime.transaction() as session:
        # each message is handed to the worker once: in a slice (dispatch) or on its own (send)
        handed: list[str] = []
        for job in session.scalars(select(Job).where(Job.name.in_(["messaging.dispatch", "messaging.send"]))):
            handed.extend(job.args.get("message_ids", [job.args.get("message_id")]))
        assert sorted(handed) == sorted(str(m.id) for m in messages)
        published = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.name == "policy:version:published")
        )
        assert published == 3

    # publishing the same content again is a no-op, and notifies no one twice
    assert _publish(runtime, variant(WORDING, LONGER)).created is False
    assert len(_outbox(runtime)) == 3


def test_the_notice_endpoints_serve_published_versions(client: TestClient, runtime: Runtime) -> None:
    before = client.get("/privacy/notice")
    assert before.status_code == 200
    assert before.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in before.headers["content-security-policy"]
    assert "Kept for 13 months from when it is collected" in before.text  # nothing published: the loaded policy
    assert client.get("/privacy/notice/versions").json() == {"current_version": None, "items": []}

    _publish(runtime, shipped_policy())
    _publish(runtime, variant(LONGER))

    now = client.get("/privacy/notice")
    assert "Kept for 2 years from when it is collected" in now.text
    markdown = client.get("/privacy/notice", params={"format": "md"})
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith("# Privacy Notice\n")

    versions = client.get("/privacy/notice/versions").json()
    assert versions["current_version"] == 2
    assert [(v["version"], v["significant"], v["url"]) for v in versions["items"]] == [
        (2, True, "/privacy/notice/versions/2"),
        (1, False, "/privacy/notice/versions/1"),
    ]
    assert "Kept for 13 months from when it is collected" in client.get("/privacy/notice/versions/1").text
    missing = client.get("/privacy/notice/versions/9")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "version 9 of the privacy notice does not exist"

    diff = client.get("/privacy/notice/diff", params={"from": 1, "to": 2}).json()
    assert diff["from"] == 1
    assert diff["to"] == 2
    assert diff["significant"] is True
    assert [(c["kind"], c["significant"]) for c in diff["changes"]] == [("retention_longer", True)]
    assert client.get("/privacy/notice/diff", params={"from": 1}).status_code == 422


def test_a_tenant_user_accepts_the_current_version(client: TestClient, runtime: Runtime) -> None:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    tenant_id = create_tenant(client, admin)
    tenant_admin = api_token(runtime, Role.TENANT_ADMIN, tenant_id)
    member = api_token(runtime, Role.TENANT_MEMBER, tenant_id)
    url = f"/api/v1/tenants/{tenant_id}/notice/acceptances"

    nothing = client.post(url, headers=auth(tenant_admin))
    assert nothing.status_code == 409
    assert nothing.json()["detail"] == "no version of the privacy notice has been published yet"

    _publish(runtime, shipped_policy())
    _publish(runtime, variant(LONGER))
    stale = client.post(url, json={"version": 1}, headers=auth(tenant_admin))
    assert stale.status_code == 409
    assert stale.json()["detail"] == "version: 1 is not the current version of the notice (2)"

    accepted = client.post(url, json={"version": 2}, headers=auth(tenant_admin))
    assert accepted.status_code == 201, accepted.text
    body = accepted.json()
    assert (body["version"], body["tenant_id"], body["actor_type"]) == (2, str(tenant_id), "api_key")
    again = client.post(url, headers=auth(tenant_admin))
    assert again.json()["id"] == body["id"]
    assert client.post(url, headers=auth(member)).status_code == 201
    staff = client.post(url, headers=auth(admin))
    assert staff.status_code == 403

    state = client.get(url, headers=auth(member)).json()
    assert state["current_version"] == 2
    assert state["accepted_current"] is True
    assert len(state["items"]) == 2
    with runtime.transaction() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.name == "policy:notice:accepted")).all()
        assert [(e.tenant_id, e.object_id) for e in events] == [(tenant_id, "2"), (tenant_id, "2")]


@pytest.mark.usefixtures("cli_env")
def test_publish_and_diff_commands(runtime: Runtime, tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["policy", "publish"])
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "published version 1, the first: nothing to compare it with, so no one to notify"
    same = runner.invoke(app, ["policy", "publish", "--policy", str(SHIPPED_FILE)])
    assert same.stdout.strip() == "unchanged: version 1 already has this content; nothing published"

    changed = write(tmp_path, edit(shipped_text(), *LONGER))
    second = runner.invoke(app, ["policy", "publish", "--policy", str(changed)])
    assert second.exit_code == 0, second.output
    assert second.stdout.strip() == (
        "published version 2: 1 change(s), 1 significant; the notice-change message is queued for 0 contact(s)"
    )

    between_versions = runner.invoke(app, ["policy", "diff", "1", "2"])
    assert between_versions.exit_code == 3
    assert "retention_longer" in between_versions.stdout
    version_and_file = runner.invoke(app, ["policy", "diff", "2", str(changed)])
    assert version_and_file.exit_code == 0
    unknown = runner.invoke(app, ["policy", "diff", "1", "7"])
    assert unknown.exit_code == 2
    assert "version 7 of the privacy notice does not exist" in unknown.stderr
