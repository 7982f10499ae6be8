"""HTTP endpoints of messaging: the one-click unsubscribe link of promotional mail (RFC 8058), business opt-outs."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from omniwise.auth.dependencies import CurrentActor, DbSession, Keys, ScopedTenant
from omniwise.messaging import opt_outs, unsubscribe
from omniwise.messaging.schemas import OptOutList, OptOutRead
from omniwise.messaging.templates import render_page

router = APIRouter(prefix="/messaging", tags=["messaging"])
tenant_router = APIRouter(prefix="/api/v1/tenants/{tenant_id}/promotional-opt-outs", tags=["messaging"])


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


@tenant_router.get("", response_model=OptOutList, summary="The business's contacts, and whether each gets promotions")
def list_opt_outs(
    session: DbSession,
    keys: Keys,
    actor: CurrentActor,
    tenant: ScopedTenant,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> OptOutList:
    page = opt_outs.contact_opt_outs(session, keys, actor=actor, tenant=tenant, cursor=cursor, limit=limit)
    return OptOutList(items=[OptOutRead.of(item) for item in page.items], next_cursor=page.next_cursor)


@tenant_router.put("/{contact_id}", response_model=OptOutRead, summary="Stop promotional mail to a contact")
def opt_out(
    contact_id: uuid.UUID, session: DbSession, keys: Keys, actor: CurrentActor, tenant: ScopedTenant
) -> OptOutRead:
    return OptOutRead.of(opt_outs.opt_out_contact(session, keys, actor=actor, tenant=tenant, contact_id=contact_id))
