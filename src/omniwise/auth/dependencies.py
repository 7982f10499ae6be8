"""FastAPI dependencies: the runtime, the transaction, the caller and the scoped tenant."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from omniwise.auth.actor import Actor
from omniwise.auth.service import authenticate_token
from omniwise.errors import Unauthorized
from omniwise.keys import KeyRing
from omniwise.runtime import Runtime
from omniwise.tenants.models import Tenant
from omniwise.tenants.service import get_scoped_tenant


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_session(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Iterator[Session]:
    """The request's transaction: committed when the endpoint returns, else rolled back."""
    with runtime.transaction() as session:
        yield session


def get_keyring(runtime: Annotated[Runtime, Depends(get_runtime)]) -> KeyRing:
    return runtime.keyring


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
# scope "function": the transaction commits before the response leaves, so a 2xx means committed and the
# caller's next request sees the change (the default scope would commit only after the response is sent)
DbSession = Annotated[Session, Depends(get_session, scope="function")]
Keys = Annotated[KeyRing, Depends(get_keyring)]


def get_actor(request: Request, session: DbSession) -> Actor:
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized("send an API key as 'Authorization: Bearer TOKEN'")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer TOKEN'")
    actor = authenticate_token(session, token.strip())
    request.state.actor_id = actor.id
    return actor


CurrentActor = Annotated[Actor, Depends(get_actor)]


def get_tenant(
    session: DbSession,
    actor: CurrentActor,
    tenant_id: Annotated[uuid.UUID, Path(description="The tenant's id")],
) -> Tenant:
    """Every endpoint under /tenants/{tenant_id} takes the tenant from here, and only here."""
    return get_scoped_tenant(session, actor=actor, tenant_id=tenant_id)


ScopedTenant = Annotated[Tenant, Depends(get_tenant)]
