"""The privacy center's home page: who the controller is, how to reach them, and the rights one has.

The pages of privacy requests live beside it, one module per surface, and are mounted here:
`request_pages` (the privacy center's form, confirmation and status), `portal_pages`
(customers' requests for a business's decision, a copy of its data) and `console_pages`
(the staff's queue and each request's steps, report and evidence).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from omniwise.auth.dependencies import DbSession
from omniwise.policy.binding import policy_for
from omniwise.privacy import console_pages, portal_pages, request_pages
from omniwise.privacy.page_router import router
from omniwise.web.routing import NavLink, Surface
from omniwise.web.templating import render

navigation = [
    NavLink(Surface.PRIVACY, "Privacy center", "/privacy", "Your information and your rights.", order=10),
    NavLink(Surface.PRIVACY, "Make a request", "/privacy/requests", "See, copy, correct or delete it.", order=30),
    *portal_pages.navigation,
    *console_pages.navigation,
]
# Where the notice and the request form live once they are published on this site.
NOTICE_PATH = "/privacy/notice"
REQUESTS_PATH = request_pages.FORM_PATH


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
