"""The consent banner script, with the policy's cookie groups written into it."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Mapping
from importlib import resources
from typing import Any

from omniwise.policy.model import Cookies, Policy

PLACEHOLDER = "/*OMNIWISE_CONSENT_CONFIG*/ null"
CONSENT_COOKIE = "ow_consent"
DETAILS_PATH = "/privacy/cookies"


@functools.cache
def _template() -> str:
    text = resources.files("omniwise.consent").joinpath("assets/consent.js").read_text(encoding="utf-8")
    assert PLACEHOLDER in text, "consent.js has lost its configuration placeholder"
    return text


def _seconds(days: float) -> int:
    return round(days * 86400)


def consent_max_age(policy: Policy, cookies: Cookies) -> int:
    """How long, in seconds, a browser remembers its choice: as long as the policy keeps its proof, and no longer."""
    consent_cookie = next((c for g in cookies.groups for c in g.cookies if c.name == CONSENT_COOKIE), None)
    category = policy.categories_by_id.get(cookies.category)
    remembered = (
        consent_cookie.duration
        if consent_cookie
        else (category.retention.duration if category and category.retention else None)
    )
    return _seconds(remembered.approx_days()) if remembered else 0


def consent_cookie_value(cookies: Cookies, *, consent_id: uuid.UUID, choices: Mapping[str, bool]) -> str:
    """The `ow_consent` cookie as the banner script writes and reads it: `v1.<id>.<version>.<groups or ->`."""
    accepted = [group.id for group in cookies.consent_groups if choices.get(group.id)]
    return ".".join(("v1", str(consent_id), cookies.sha256[:12], "+".join(accepted) or "-"))


def banner_config(policy: Policy, cookies: Cookies, *, gpc_header: bool) -> dict[str, Any]:
    return {
        "consentCookie": CONSENT_COOKIE,
        "consentMaxAge": consent_max_age(policy, cookies),
        "cookiesVersion": cookies.sha256,
        "noticeSha256": policy.sha256,
        "gpcHeader": gpc_header,
        "detailsPath": DETAILS_PATH,
        "groups": [
            {
                "id": group.id,
                "name": group.name,
                "description": group.description,
                "consent": group.consent,
                "cookies": [
                    {
                        "name": cookie.name,
                        "purpose": cookie.purpose,
                        "lifetimeText": cookie.duration.words(),
                        "maxAge": _seconds(cookie.duration.approx_days()),
                    }
                    for cookie in group.cookies
                ],
            }
            for group in cookies.groups
        ],
    }


def consent_script(policy: Policy, cookies: Cookies, *, gpc_header: bool) -> str:
    # ensure_ascii keeps the JSON free of characters that end a JavaScript line
    config = json.dumps(banner_config(policy, cookies, gpc_header=gpc_header), ensure_ascii=True, sort_keys=True)
    return _template().replace(PLACEHOLDER, config)
