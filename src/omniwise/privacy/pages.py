"""The privacy center's home page: who the controller is, how to reach them, and the rights one has."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from omniwise.auth.dependencies import DbSession
from omniwise.policy.binding import policy_for
from omniwise.web.routing import NavLink, PageRouter, Surface
from omniwise.web.templating import render

router = PageRouter()
navigation = [NavLink(Surface.PRIVACY, "Privacy center", "/privacy", "Your information and your rights.", order=10)]
# Where the notice and the request form live once they are published on this site.
NOTICE_PATH = "/privacy/notice"
REQUESTS_PATH = "/privacy/requests"


@router.get("/privacy")
def privacy_home(request: Request, session: DbSession) -> Response:
    policy = policy_for(session)
    addresses = {address.id: address for address in policy.controller.addresses}
    values = {
        "controller": policy.controller,
        "channels": policy.channels,
        "addresses": addresses,
        "rights": policy.rights.items,
        "notice_path": NOTICE_PATH,
        "requests_path": REQUESTS_PATH,
    }
    return render(request, "privacy/home.html", values)
