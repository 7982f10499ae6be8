"""The sidebar app's manifest passes Zendesk's documented rules, and each rule does catch what it forbids."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from omniwise.zendesk.zaf import APP_DIR
from tests.zendesk.manifest_rules import check_app


def test_the_sidebar_app_passes_every_rule() -> None:
    assert check_app(APP_DIR) == []
    manifest = json.loads((APP_DIR / "manifest.json").read_text())
    assert manifest["frameworkVersion"] == "2.0"
    assert "ticket_sidebar" in manifest["location"]["support"]
    assert manifest["signedUrls"] is True  # the platform verifies Zendesk's signature on every page
    assert (APP_DIR / "assets" / "iframe.html").is_file()
    assert (APP_DIR / "assets" / "sidebar.js").is_file()


def _without(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda m: m.pop(key)


BROKEN: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "no author": (_without("author"), "author is required"),
    "no location": (_without("location"), "location is required"),
    "no framework": (_without("frameworkVersion"), "frameworkVersion is required"),
    "old framework": (lambda m: m.update(frameworkVersion="1.0"), 'frameworkVersion must be "2.0"'),
    "private as text": (lambda m: m.update(private="no"), "private must be true or false"),
    "signedUrls as text": (lambda m: m.update(signedUrls="yes"), "signedUrls must be true or false"),
    "unknown location": (
        lambda m: m["location"]["support"].update(ticket_footer="assets/iframe.html"),
        "unknown location",
    ),
    "unknown product": (lambda m: m["location"].update(sell={"top_bar": "assets/x.html"}), "unknown product"),
    "plain http": (
        lambda m: m["location"]["support"].update(top_bar="http://omniwise.example/bar"),
        "an absolute url must use https",
    ),
    "missing asset": (lambda m: m["location"]["support"].update(top_bar="assets/missing.html"), "relative url"),
    "undeclared setting": (
        lambda m: m["location"]["support"]["ticket_sidebar"].update(url="{{setting.nowhere}}/x"),
        "which no parameter defines",
    ),
    "bad parameter type": (lambda m: m["parameters"].append({"name": "colour", "type": "colour"}), "unknown type"),
    "duplicate parameter": (lambda m: m["parameters"].append({"name": "omniwise_url"}), "defined twice"),
    "parameter called name": (lambda m: m["parameters"].append({"name": "name"}), "may not be called 'name'"),
    "required hidden": (
        lambda m: m["parameters"].append({"name": "h", "type": "hidden", "required": True}),
        "cannot be required",
    ),
    "secure as text": (
        lambda m: m["parameters"].append({"name": "s", "secure": "true"}),
        "secure must be true or false",
    ),
    "insecure token": (lambda m: m["parameters"].append({"name": "api_token", "type": "text"}), "must be secure"),
    "secure default": (
        lambda m: m["parameters"].append({"name": "api_key", "secure": True, "default": "abc"}),
        "must not have a default",
    ),
    "secure oauth": (
        lambda m: m["parameters"].append({"name": "o", "type": "oauth", "secure": True}),
        "cannot be secure",
    ),
    "bad locale": (lambda m: m.update(defaultLocale="English"), "is not a locale"),
    "no translation": (lambda m: m.update(defaultLocale="de"), "translations/de.json is missing"),
    "bad author email": (lambda m: m["author"].update(email="nobody"), "not an email address"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_each_rule_catches_what_it_forbids(case: str, tmp_path: Path) -> None:
    app = tmp_path / "app"
    shutil.copytree(APP_DIR, app)
    manifest = json.loads((app / "manifest.json").read_text())
    change, expected = BROKEN[case]
    change(manifest)
    (app / "manifest.json").write_text(json.dumps(manifest))
    findings = check_app(app)
    assert any(expected in finding for finding in findings), findings


def test_public_apps_need_their_listing_texts(tmp_path: Path) -> None:
    app = tmp_path / "app"
    shutil.copytree(APP_DIR, app)
    (app / "translations" / "en.json").write_text(json.dumps({"app": {"name": "Omni Wise Privacy"}}))
    assert "translations/en.json needs app.long_description" in check_app(app)
    (app / "manifest.json").write_text('{"name": "a", "name": "b"}')
    assert check_app(app) == ["manifest.json defines 'name' twice"]
