"""The sidebar page's script, run by node with a stand-in ZAF client, against the platform over real HTTP."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from omniwise.zendesk.zaf import APP_DIR
from tests.zendesk.helpers import LivePlatform, SignedApp

HARNESS = Path(__file__).with_name("sidebar_harness.js")
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(
    NODE is None, reason="node is not installed; the sidebar's backend contract is tested in test_zaf"
)


def run_sidebar(base_url: str, token: str, requester_id: int = 380000007, ticket_id: int = 31) -> dict[str, Any]:
    assert NODE is not None
    result = subprocess.run(
        [
            NODE,
            str(HARNESS),
            str(APP_DIR / "assets" / "sidebar.js"),
            base_url,
            token,
            str(requester_id),
            str(ticket_id),
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_the_sidebar_shows_the_status_and_files_a_deletion_request(signed_app: SignedApp) -> None:
    with LivePlatform(signed_app.runtime) as platform:
        seen = run_sidebar(platform.base_url, signed_app.token())
    before, after = seen["before"], seen["after"]
    assert before["status"] == "ready"
    assert before["privacy"]["open_requests"] == []
    assert "No open requests." in seen["beforeHtml"]
    assert "&lt;b&gt;Ada&lt;/b&gt; &amp; co" in seen["beforeHtml"]  # what Zendesk says is escaped, never markup
    assert "<b>Ada" not in seen["beforeHtml"]
    assert after["status"] == "ready"
    assert [(r["type"], r["status"]) for r in after["privacy"]["open_requests"]] == [("deletion", "received")]
    assert 'data-request="deletion" disabled' in seen["afterHtml"]
    assert 'data-request="access">' in seen["afterHtml"]
    assert 'data-request="portability">' in seen["afterHtml"]
    assert 'data-request="opt_out">' in seen["afterHtml"]  # nothing recorded yet
    notices = [c for c in seen["calls"] if c[0] == "invoke" and c[1] == "notify"]
    assert len(notices) == 1
    assert ["get", ["ticket.requester", "ticket.id"]] in seen["calls"]


def test_an_expired_view_says_so(signed_app: SignedApp) -> None:
    now = int(time.time())
    with LivePlatform(signed_app.runtime) as platform:
        seen = run_sidebar(platform.base_url, signed_app.token(iat=now - 900, exp=now - 600))
    assert seen["before"] == {"status": "error", "error": "expired"}
    assert "Reopen the app" in seen["beforeHtml"]
    assert not [c for c in seen["calls"] if c[0] == "invoke" and c[1] == "notify"]
