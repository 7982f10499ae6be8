"""HTTP endpoints of messaging: the one-click unsubscribe link of promotional mail (RFC 8058)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from omniwise.auth.dependencies import DbSession, Keys
from omniwise.messaging import unsubscribe
from omniwise.messaging.templates import render_page

router = APIRouter(prefix="/messaging", tags=["messaging"])


@router.get("/unsubscribe/{token}", response_class=HTMLResponse, summary="Confirm unsubscribing (changes nothing)")
def confirm_unsubscribe(token: str, keys: Keys) -> HTMLResponse:
    # a GET never unsubscribes: mail scanners follow links, and only a person (or a mail
    # program's one-click POST) should take someone off a list
    unsubscribe.check_token(keys, token=token)
    return HTMLResponse(render_page("unsubscribe_page", done=False, action=f"/messaging/unsubscribe/{token}"))


@router.post("/unsubscribe/{token}", response_class=HTMLResponse, summary="Unsubscribe from promotional messages")
def one_click_unsubscribe(token: str, session: DbSession, keys: Keys) -> HTMLResponse:
    unsubscribe.unsubscribe(session, keys, token=token)
    return HTMLResponse(render_page("unsubscribe_page", done=True, action=""))
