"""The privacy center's cookie preferences: a plain form, so a choice can be made and changed without script.

It records the choice through the same service as the banner (`POST /privacy/consent`)
and leaves the same `ow_consent` cookie, so the banner, where script runs, knows the
choice too; cookies of a refused group are removed at once.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request, Response

from omniwise.auth.dependencies import DbSession, RuntimeDep
from omniwise.consent import service
from omniwise.consent.schemas import ConsentSource, ConsentState
from omniwise.consent.script import CONSENT_COOKIE, consent_cookie_value, consent_max_age
from omniwise.consent.secret import consent_secret
from omniwise.policy.model import Cookies
from omniwise.web.forms import Submitted
from omniwise.web.routing import NavLink, PageRouter, Surface, queue_cookie
from omniwise.web.templating import render, see_other
from omniwise.web.viewer import cookie_secure

router = PageRouter()
navigation = [
    NavLink(
        Surface.PRIVACY,
        "Cookie preferences",
        "/privacy/cookies/preferences",
        "Which cookies we may set in your browser.",
        order=40,
    )
]
PATH = "/privacy/cookies/preferences"
FIELD_PREFIX = "group-"


def _gpc(request: Request) -> bool:
    return request.headers.get("sec-gpc", "").strip() == "1"


def _consent_id(request: Request) -> uuid.UUID | None:
    """The id of this browser's earlier choice, from the cookie the banner and this page write."""
    parts = (request.cookies.get(CONSENT_COOKIE) or "").split(".")
    try:
        return uuid.UUID(parts[1]) if len(parts) == 4 and parts[0] == "v1" else None
    except ValueError:
        return None


def _values(cookies: Cookies, state: ConsentState, gpc: bool) -> dict[str, Any]:
    return {"groups": cookies.groups, "state": state, "gpc": gpc, "field_prefix": FIELD_PREFIX}


@router.get(PATH)
def preferences_page(request: Request, session: DbSession, runtime: RuntimeDep) -> Response:
    cookies = service.cookies_of(runtime.policy)
    state = service.current_consent(session, policy=runtime.policy, consent_id=_consent_id(request))
    return render(request, "privacy/cookies.html", _values(cookies, state, _gpc(request)))


@router.post(PATH)
def preferences_submit(request: Request, session: DbSession, runtime: RuntimeDep, data: Submitted) -> Response:
    policy = runtime.policy
    cookies = service.cookies_of(policy)
    action = data.get("choice")
    if action == "accept":
        choices = {group.id: True for group in cookies.consent_groups}
    elif action == "reject":
        choices = {group.id: False for group in cookies.consent_groups}
    else:
        choices = {group.id: data.get(FIELD_PREFIX + group.id) == "on" for group in cookies.consent_groups}
    origin = urlsplit(str(request.base_url))
    state = service.record_consent(
        session,
        policy=policy,
        consent_id=_consent_id(request),
        choices=choices,
        source=ConsentSource.PREFERENCES,
        gpc=_gpc(request),
        origin=f"{origin.scheme}://{origin.netloc}",
        ip=request.client.host if request.client else None,
        secret=consent_secret(runtime.settings),
    )
    assert state.consent_id is not None
    value = consent_cookie_value(cookies, consent_id=state.consent_id, choices=state.choices)
    secure = cookie_secure(runtime.settings, request)
    max_age = consent_max_age(policy, cookies)
    refused = [c.name for g in cookies.consent_groups if not state.choices.get(g.id) for c in g.cookies]

    def apply(response: Response) -> None:
        # readable by the banner's script, which keeps the same cookie
        response.set_cookie(CONSENT_COOKIE, value, max_age=max_age, path="/", secure=secure, samesite="lax")
        for name in refused:
            response.delete_cookie(name, path="/", samesite="lax")

    queue_cookie(request, apply)
    accepted = [g.name.lower() for g in cookies.consent_groups if state.choices.get(g.id)]
    message = (
        f"Your choice is saved: strictly necessary cookies, and {' and '.join(accepted)} cookies."
        if accepted
        else "Your choice is saved: strictly necessary cookies only."
    )
    return see_other(PATH, request=request, message=message)
