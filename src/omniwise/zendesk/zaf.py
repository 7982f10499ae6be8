"""The sidebar app's backend: Zendesk's signed requests (RS256 JWTs), and what the sidebar shows and files.

Zendesk signs the request that opens the app's page (`signedUrls` in the manifest) with
the app's private key; the platform holds the app's public key
(`OMNIWISE_ZENDESK_APP_PUBLIC_KEY`). The token's issuer is the Zendesk account's host
and its audience the app installation's URL; together they name the connection, hence
the tenant. Only RS256 is accepted: a token that names another algorithm (`none`, or
HS256 keyed with the public key) is refused before its signature is looked at.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import Actor
from omniwise.auth.roles import Role
from omniwise.config import Settings
from omniwise.errors import ServiceUnavailable, Unauthorized
from omniwise.keys import KeyDestroyed, KeyRing
from omniwise.kit.clock import utcnow
from omniwise.policy.purposes import Purpose
from omniwise.privacy.models import OPEN_STATUSES as REQUEST_OPEN_STATUSES
from omniwise.privacy.models import PrivacyRequest
from omniwise.runtime import Runtime
from omniwise.zendesk import repository
from omniwise.zendesk.models import ZendeskAppRequest, ZendeskConnection, ZendeskUser
from omniwise.zendesk.schemas import AppRequestCreate, AppRequestRead, AppRequestType, RequesterPrivacy

ALGORITHM = "RS256"
LEEWAY = timedelta(seconds=30)
AUDIENCE = re.compile(r"^(https?)://([^/]+)/api/v2/apps/installations/(\d+)\.json$")
# a sidebar record is open while the privacy request it opened is (or, with none behind it, while
# it is "received"); one whose privacy request is gone (its records' period ended) reads "closed"
OPEN_STATUSES = frozenset({"received"} | {status.value for status in REQUEST_OPEN_STATUSES})
GONE = "closed"
APP_DIR = Path(__file__).resolve().parents[3] / "zendesk-app"


@dataclass(frozen=True)
class AppCaller:
    """Who sent a verified sidebar request: a connection (so a tenant) and an agent of its Zendesk account."""

    connection: ZendeskConnection
    installation_id: int
    agent_id: str | None

    @property
    def actor(self) -> Actor:
        agent = self.agent_id or "unknown"
        return Actor(
            kind="zendesk_agent",
            id=f"{self.installation_id}:{agent}"[:64],
            role=Role.TENANT_MEMBER,
            tenant_id=self.connection.tenant_id,
        )


def public_key(settings: Settings) -> str:
    if settings.zendesk_app_public_key:
        return settings.zendesk_app_public_key
    if settings.zendesk_app_public_key_file is not None:
        try:
            return settings.zendesk_app_public_key_file.read_text()
        except OSError:
            raise ServiceUnavailable("OMNIWISE_ZENDESK_APP_PUBLIC_KEY_FILE cannot be read") from None
    raise ServiceUnavailable("the sidebar app is not configured: set OMNIWISE_ZENDESK_APP_PUBLIC_KEY")


def installation_audience(base_url: str, installation_id: int) -> str:
    return f"{base_url.rstrip('/')}/api/v2/apps/installations/{installation_id}.json"


def verify_app_token(session: Session, settings: Settings, token: str) -> AppCaller:
    """The caller a signed sidebar request comes from, or Unauthorized (401)."""
    key = public_key(settings)
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        raise Unauthorized("the app's token is not a JWT") from None
    if header.get("alg") != ALGORITHM:
        raise Unauthorized(f"the app's token must be signed with {ALGORITHM}")
    match = AUDIENCE.match(str(unverified.get("aud") or ""))
    if match is None:
        raise Unauthorized("the app's token names no app installation as its audience")
    installation_id = int(match.group(3))
    for connection in repository.connections_for_app(session, installation_id=installation_id):
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=installation_audience(connection.base_url, installation_id),
                issuer=urlsplit(connection.base_url).netloc,
                leeway=LEEWAY,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.InvalidSignatureError:
            raise Unauthorized("the app's token has a bad signature") from None
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the app's token has expired; reopen the app") from None
        except jwt.InvalidTokenError:
            continue
        agent = claims.get("sub")
        return AppCaller(connection, installation_id, None if agent is None else str(agent)[:40])
    raise Unauthorized("the app's token does not match a connected Zendesk account and installation")


def _current(session: Session, rows: Sequence[ZendeskAppRequest]) -> list[AppRequestRead]:
    """The records as the sidebar shows them: with the status of the privacy request each opened.

    The engine moves that request on (verified, decided by the business, completed), so its
    status is the one the agent must see; the record's own is only for a requester the
    mirror held no address for, whom no privacy request could name.
    """
    linked = [row.privacy_request_id for row in rows if row.privacy_request_id is not None]
    statuses: dict[uuid.UUID, str] = {}
    if linked:
        found = session.execute(select(PrivacyRequest.id, PrivacyRequest.status).where(PrivacyRequest.id.in_(linked)))
        statuses = {request_id: status for request_id, status in found}
    return [
        AppRequestRead(
            id=row.id,
            type=row.type,
            status=row.status if row.privacy_request_id is None else statuses.get(row.privacy_request_id, GONE),
            created_at=row.created_at,
            privacy_request_id=row.privacy_request_id,
        )
        for row in rows
    ]


def requester_privacy(session: Session, *, caller: AppCaller, requester_zendesk_id: int) -> RequesterPrivacy:
    """The requester's opt-outs and open privacy requests, as far as this connection knows them."""
    connection = caller.connection
    known = bool(
        repository.users_with_zendesk_id(
            session, tenant_id=connection.tenant_id, zendesk_id=requester_zendesk_id, connection_id=connection.id
        )
    )
    rows = repository.app_requests_for(
        session, tenant_id=connection.tenant_id, connection_id=connection.id, requester_zendesk_id=requester_zendesk_id
    )
    shown = _current(session, rows)
    return RequesterPrivacy(
        requester_zendesk_id=requester_zendesk_id,
        known=known,
        opt_outs=[r for r in shown if r.type == AppRequestType.OPT_OUT],
        open_requests=[r for r in shown if r.type != AppRequestType.OPT_OUT and r.status in OPEN_STATUSES],
    )


def _requester_email(session: Session, keyring: KeyRing, row: ZendeskUser) -> str | None:
    """The requester's address as the mirror holds it (None if it has none, or the person was erased)."""
    try:
        cipher = keyring.cipher(row.tenant_id, row.subject_id)
    except KeyDestroyed:
        return None
    return cipher.open_optional(row.email_ct, table="zendesk_users", column="email", row_id=row.id)


def verification_note(caller: AppCaller, ticket_id: int | None) -> str:
    """How a request filed in the sidebar was verified: by the business's agent, on the ticket they had open."""
    note = f"Zendesk agent {caller.agent_id or 'unknown'}"
    return note if ticket_id is None else f"{note} on ticket {ticket_id}"


def _open_privacy_request(
    session: Session, runtime: Runtime, *, caller: AppCaller, held: ZendeskUser | None, data: AppRequestCreate
) -> uuid.UUID | None:
    """The platform's privacy request for the requester, verified by the agent; None when the mirror has no address."""
    from omniwise.privacy.service import open_request  # the engine loads every domain's contribution, this one too

    email = _requester_email(session, runtime.keyring, held) if held is not None else None
    if email is None:
        return None
    connection = caller.connection
    request = open_request(
        session,
        runtime,
        type=data.type.value,
        email=email,
        tenant_id=connection.tenant_id,
        jurisdiction=None,
        channel="zendesk_app",
        actor=Actor(kind="system", id=f"zendesk-app:{caller.actor.id}"[:64], role=None, tenant_id=connection.tenant_id),
        verified_by=verification_note(caller, data.ticket_id),
        changes=data.changes,
        zendesk_user=(connection.id, held.zendesk_id) if held is not None else None,
    )
    return request.id


def file_request(
    session: Session, runtime: Runtime, *, caller: AppCaller, requester_zendesk_id: int, data: AppRequestCreate
) -> tuple[AppRequestRead, bool]:
    """File a request for the requester; an open one of the same type is returned instead of a second (False).

    A requester the mirror knows by address also gets the platform's privacy request
    (channel `zendesk_app`, verified by the filing agent), linked by `privacy_request_id`;
    it follows the engine's course (the business's admins decide what touches its Zendesk data).
    """
    connection = caller.connection
    filed = repository.app_requests_for(
        session, tenant_id=connection.tenant_id, connection_id=connection.id, requester_zendesk_id=requester_zendesk_id
    )
    for shown in _current(session, filed):
        if shown.type == data.type.value and (shown.status in OPEN_STATUSES or shown.type == AppRequestType.OPT_OUT):
            return shown, False
    held = repository.users_with_zendesk_id(
        session, tenant_id=connection.tenant_id, zendesk_id=requester_zendesk_id, connection_id=connection.id
    )
    privacy_request_id = _open_privacy_request(
        session, runtime, caller=caller, held=held[0] if held else None, data=data
    )
    row = ZendeskAppRequest(
        id=uuid.uuid4(),
        tenant_id=connection.tenant_id,
        connection_id=connection.id,
        requester_zendesk_id=requester_zendesk_id,
        subject_id=held[0].subject_id if held else None,
        type=data.type.value,
        status="recorded" if data.type is AppRequestType.OPT_OUT else "received",
        filed_by_zendesk_id=caller.agent_id,
        ticket_zendesk_id=data.ticket_id,
        created_at=utcnow(),
        privacy_request_id=privacy_request_id,
    )
    session.add(row)
    session.flush()
    actor = caller.actor
    record(
        session,
        AuditEntry(
            name="zendesk:app_request:filed",
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=connection.tenant_id,
            purpose=Purpose.PRIVACY_REQUESTS.value,
            object_type="zendesk_app_request",
            object_id=str(row.id),
            subject_id=row.subject_id,
            details={
                "type": row.type,
                "connection_id": str(connection.id),
                "requester": requester_zendesk_id,
                "privacy_request_id": str(privacy_request_id) if privacy_request_id else None,
            },
        ),
    )
    [shown] = _current(session, [row])
    return shown, True
