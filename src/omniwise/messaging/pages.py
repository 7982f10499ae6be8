"""Portal page for promotional mail: the business's contacts, and stopping promotions to any of them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from omniwise.auth.dependencies import DbSession, Keys
from omniwise.auth.roles import Permission
from omniwise.messaging import opt_outs
from omniwise.web.routing import PageRouter
from omniwise.web.templating import render, see_other
from omniwise.web.viewer import PortalTenant, TenantUser

router = PageRouter()
PATH = "/portal/privacy/promotions"


@router.get(PATH)
def promotions_page(
    request: Request,
    session: DbSession,
    keys: Keys,
    viewer: TenantUser,
    tenant: PortalTenant,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    page = opt_outs.contact_opt_outs(session, keys, actor=viewer.actor, tenant=tenant, cursor=cursor, limit=50)
    values = {
        "tenant": tenant,
        "items": page.items,
        "next_cursor": page.next_cursor,
        "can_write": viewer.can(Permission.CONTACTS_WRITE),
    }
    return render(request, "portal/promotions.html", values)


@router.post(PATH + "/{contact_id}")
def promotions_opt_out(
    request: Request, session: DbSession, keys: Keys, viewer: TenantUser, tenant: PortalTenant, contact_id: uuid.UUID
) -> Response:
    done = opt_outs.opt_out_contact(session, keys, actor=viewer.actor, tenant=tenant, contact_id=contact_id)
    return see_other(PATH, request=request, message=f"{done.contact.name} will get no more promotional messages.")
