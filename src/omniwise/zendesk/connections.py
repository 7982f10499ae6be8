"""Connecting a Zendesk account (API tokens or OAuth with PKCE and rotating refresh tokens, sealed under
the tenant key), and disconnecting it: secrets deleted at once, the mirror kept only for the policy's period."""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import Actor
from omniwise.auth.roles import Permission
from omniwise.config import Settings
from omniwise.db import after_commit
from omniwise.errors import BadRequest, Conflict, NotFound, ServiceUnavailable
from omniwise.keys import KeyRing
from omniwise.kit.clock import utcnow
from omniwise.tenants.models import Tenant
from omniwise.tenants.service import require
from omniwise.zendesk import oauth, repository
from omniwise.zendesk.client import (
    ApiTokenCredentials,
    BearerCredentials,
    Credentials,
    Marketplace,
    ZendeskClient,
)
from omniwise.zendesk.errors import ZendeskAuthFailed
from omniwise.zendesk.models import ZendeskConnection, ZendeskOAuthFlow
from omniwise.zendesk.ratelimit import limits_for, plan_limit
from omniwise.zendesk.schemas import ApiTokenAuth, ConnectionCreate, ConnectionRead

TABLE = "zendesk_connections"
DISCONNECTED = "disconnected"
OAUTH_FLOW_TTL = timedelta(minutes=10)
# a refreshed pair this process holds but whose transaction rolled back: used and stored next time
_fresh_tokens: dict[uuid.UUID, dict[str, Any]] = {}
_fresh_lock = threading.Lock()


def _audit(session: Session, actor: Actor, connection: ZendeskConnection, action: str, **details: object) -> None:
    record(
        session,
        AuditEntry(
            name=f"zendesk:connection:{action}",
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=connection.tenant_id,
            purpose="service_provision",
            object_type="zendesk_connection",
            object_id=str(connection.id),
            details=dict(details),
        ),
    )


def marketplace(settings: Settings) -> Marketplace:
    return Marketplace(
        settings.zendesk_marketplace_name,
        settings.zendesk_marketplace_organization_id,
        settings.zendesk_marketplace_app_id,
    )


def _seal(keyring: KeyRing, connection: ZendeskConnection, column: str, value: str) -> bytes:
    return keyring.tenant_cipher(connection.tenant_id).seal(value, table=TABLE, column=column, row_id=connection.id)


def _open(keyring: KeyRing, connection: ZendeskConnection, column: str) -> str | None:
    return keyring.tenant_cipher(connection.tenant_id).open_optional(
        getattr(connection, f"{column}_ct"), table=TABLE, column=column, row_id=connection.id
    )


def to_read(connection: ZendeskConnection, authorize_url: str | None = None) -> ConnectionRead:
    return ConnectionRead(
        id=connection.id,
        tenant_id=connection.tenant_id,
        subdomain=connection.subdomain,
        base_url=connection.base_url,
        auth_type=connection.auth_type,
        status=connection.status,
        plan=connection.plan,
        rate_limit_per_minute=connection.rate_limit_per_minute,
        app_installation_id=connection.app_installation_id,
        created_at=connection.created_at,
        last_webhook_at=connection.last_webhook_at,
        disconnected_at=connection.disconnected_at,
        authorize_url=authorize_url,
    )


def create_connection(
    session: Session, keyring: KeyRing, settings: Settings, *, actor: Actor, tenant: Tenant, data: ConnectionCreate
) -> ConnectionRead:
    """Store a connection; with OAuth, start the authorisation and return the URL to send the admin to."""
    require(actor, Permission.ZENDESK_MANAGE)
    existing = repository.connection_by_subdomain(session, tenant_id=tenant.id, subdomain=data.subdomain)
    if existing is not None and existing.status != DISCONNECTED:
        raise Conflict(f"subdomain: this business already connected the Zendesk account '{data.subdomain}'")
    # connecting a disconnected account again takes up its row: the clock on its mirror stops,
    # and the next sync starts from the beginning (its cursors went with the disconnection)
    connection = existing or ZendeskConnection(
        id=uuid.uuid4(), tenant_id=tenant.id, subdomain=data.subdomain, created_at=utcnow()
    )
    connection.base_url = data.base_url or f"https://{data.subdomain}.zendesk.com"
    connection.auth_type = data.auth.type
    connection.plan = data.plan.value
    connection.rate_limit_per_minute = data.rate_limit_per_minute
    connection.app_installation_id = data.app_installation_id
    connection.disconnected_at = None
    connection.webhook_secret_ct = _seal(keyring, connection, "webhook_secret", data.webhook_secret)
    authorize_url = None
    if isinstance(data.auth, ApiTokenAuth):
        secret = {"type": "api_token", "email": data.auth.email, "token": data.auth.token}
        connection.credentials_ct = _seal(keyring, connection, "credentials", json.dumps(secret))
        connection.status = "active"
    else:
        connection.status = "pending_authorization"
    session.add(connection)
    session.flush()
    if connection.auth_type == "oauth":
        authorize_url = _start_oauth(session, keyring, settings, connection)
    _audit(session, actor, connection, "reconnected" if existing else "created", auth_type=connection.auth_type)
    return to_read(connection, authorize_url)


def _oauth_client(settings: Settings) -> tuple[str, str, str]:
    if not (
        settings.zendesk_oauth_client_id
        and settings.zendesk_oauth_client_secret
        and settings.zendesk_oauth_redirect_url
    ):
        raise ServiceUnavailable(
            "auth.type: OAuth needs OMNIWISE_ZENDESK_OAUTH_CLIENT_ID, _CLIENT_SECRET and _REDIRECT_URL to be set"
        )
    return (
        settings.zendesk_oauth_client_id,
        settings.zendesk_oauth_client_secret,
        settings.zendesk_oauth_redirect_url,
    )


def _state_hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _start_oauth(session: Session, keyring: KeyRing, settings: Settings, connection: ZendeskConnection) -> str:
    client_id, _, redirect_url = _oauth_client(settings)
    verifier, challenge = oauth.new_pkce()
    state = secrets.token_urlsafe(32)
    flow = ZendeskOAuthFlow(
        id=uuid.uuid4(),
        tenant_id=connection.tenant_id,
        connection_id=connection.id,
        state_hash=_state_hash(state),
        redirect_url=redirect_url,
        created_at=utcnow(),
        expires_at=utcnow() + OAUTH_FLOW_TTL,
    )
    flow.code_verifier_ct = keyring.tenant_cipher(connection.tenant_id).seal(
        verifier, table="zendesk_oauth_flows", column="code_verifier", row_id=flow.id
    )
    session.add(flow)
    session.flush()
    return oauth.authorize_url(
        connection.base_url, client_id=client_id, redirect_url=redirect_url, state=state, code_challenge=challenge
    )


def complete_oauth(
    session: Session, keyring: KeyRing, settings: Settings, *, state: str, code: str, actor: Actor
) -> ConnectionRead:
    """The callback: exchange the code (with the PKCE verifier) for tokens, once, before the flow expires."""
    flow = repository.oauth_flow_by_state(session, state_hash=_state_hash(state))
    if flow is None or flow.used_at is not None or flow.expires_at < utcnow():
        raise BadRequest("state: unknown, used or expired; start the connection again")
    connection = repository.get_connection(session, tenant_id=flow.tenant_id, connection_id=flow.connection_id)
    if connection is None:
        raise NotFound(f"zendesk connection {flow.connection_id} does not exist")
    client_id, client_secret, _ = _oauth_client(settings)
    verifier = keyring.tenant_cipher(flow.tenant_id).open(
        flow.code_verifier_ct, table="zendesk_oauth_flows", column="code_verifier", row_id=flow.id
    )
    flow.used_at = utcnow()
    tokens = oauth.exchange_code(
        connection.base_url,
        code=code,
        code_verifier=verifier,
        client_id=client_id,
        client_secret=client_secret,
        redirect_url=flow.redirect_url,
        marketplace=marketplace(settings),
        timeout=settings.zendesk_http_timeout_seconds,
    )
    _store_tokens(keyring, connection, tokens.access_token, tokens.refresh_token, tokens.expires_at)
    connection.status = "active"
    session.flush()
    _audit(session, actor, connection, "authorized")
    return to_read(connection)


def _store_tokens(
    keyring: KeyRing,
    connection: ZendeskConnection,
    access_token: str,
    refresh_token: str | None,
    expires_at: datetime | None,
) -> None:
    secret = {"type": "oauth", "access_token": access_token, "refresh_token": refresh_token}
    connection.credentials_ct = _seal(keyring, connection, "credentials", json.dumps(secret))
    connection.token_expires_at = expires_at


def _credentials(session: Session, keyring: KeyRing, settings: Settings, connection: ZendeskConnection) -> Credentials:
    with _fresh_lock:
        fresh = _fresh_tokens.pop(connection.id, None)
    if fresh is not None:
        _store_tokens(keyring, connection, fresh["access_token"], fresh["refresh_token"], fresh["expires_at"])
        session.flush()
    raw = _open(keyring, connection, "credentials")
    if raw is None:
        raise ZendeskAuthFailed(f"zendesk connection {connection.id} is not authorised yet")
    secret = json.loads(raw)
    if secret["type"] == "api_token":
        return ApiTokenCredentials(secret["email"], secret["token"])

    def refresh() -> str:
        current = json.loads(_open(keyring, connection, "credentials") or "{}")
        if not current.get("refresh_token"):
            raise ZendeskAuthFailed(f"zendesk connection {connection.id} has no refresh token; authorise it again")
        client_id, client_secret, _ = _oauth_client(settings)
        try:
            tokens = oauth.refresh_tokens(
                connection.base_url,
                refresh_token=current["refresh_token"],
                client_id=client_id,
                client_secret=client_secret,
                marketplace=marketplace(settings),
                timeout=settings.zendesk_http_timeout_seconds,
            )
        except ZendeskAuthFailed:
            connection.status = "needs_authorization"
            raise
        # the old refresh token is dead now: keep the new pair in this transaction, and in this
        # process in case the transaction rolls back, so the next unit of work stores it
        with _fresh_lock:
            _fresh_tokens[connection.id] = {
                "access_token": tokens.access_token,
                "refresh_token": tokens.refresh_token,
                "expires_at": tokens.expires_at,
            }
        _store_tokens(keyring, connection, tokens.access_token, tokens.refresh_token, tokens.expires_at)
        session.flush()
        after_commit(session, lambda: _forget_fresh(connection.id))
        return tokens.access_token

    return BearerCredentials(secret["access_token"], refresh)


def _forget_fresh(connection_id: uuid.UUID) -> None:
    with _fresh_lock:
        _fresh_tokens.pop(connection_id, None)


def client_for(
    session: Session,
    keyring: KeyRing,
    settings: Settings,
    connection: ZendeskConnection,
    *,
    defer_after: float | None = None,
) -> ZendeskClient:
    """An API client for this connection, sharing the account's rate limiter with every other in the process."""
    if connection.status not in ("active",):
        raise ZendeskAuthFailed(f"zendesk connection {connection.id} is {connection.status}, not active")
    return ZendeskClient(
        connection.base_url,
        _credentials(session, keyring, settings, connection),
        marketplace=marketplace(settings),
        limits=limits_for(
            connection.base_url,
            per_minute=plan_limit(connection.plan, connection.rate_limit_per_minute),
            window=settings.zendesk_rate_window_seconds,
        ),
        timeout=settings.zendesk_http_timeout_seconds,
        defer_after=defer_after,
    )


def webhook_secret(keyring: KeyRing, connection: ZendeskConnection) -> str | None:
    return _open(keyring, connection, "webhook_secret")


def get_connection(
    session: Session, *, actor: Actor, tenant: Tenant, connection_id: uuid.UUID, manage: bool = False
) -> ZendeskConnection:
    require(actor, Permission.ZENDESK_MANAGE if manage else Permission.ZENDESK_READ)
    connection = repository.get_connection(session, tenant_id=tenant.id, connection_id=connection_id)
    if connection is None:
        raise NotFound(f"zendesk connection {connection_id} does not exist")
    return connection


def read_connection(session: Session, *, actor: Actor, tenant: Tenant, connection_id: uuid.UUID) -> ConnectionRead:
    return to_read(get_connection(session, actor=actor, tenant=tenant, connection_id=connection_id))


def list_connections(session: Session, *, actor: Actor, tenant: Tenant) -> list[ConnectionRead]:
    require(actor, Permission.ZENDESK_READ)
    return [to_read(c) for c in repository.list_connections(session, tenant_id=tenant.id)]


def disconnect_connection(
    session: Session, *, actor: Actor, tenant: Tenant, connection_id: uuid.UUID
) -> ConnectionRead:
    """Stop syncing, delete the stored secrets now, and start the clock on the mirror; again is a no-op.

    The tokens and the webhook secret are deleted in this transaction, so from its commit
    on no call can be made to the account, and deliveries from it are refused (410) once a
    process's half-minute cache of the connection has lapsed; one stored meanwhile is never
    applied (the processing job skips a disconnected account) and goes with the rest. The mirror
    stays for the period of the policy's `integration_disconnected` rules (so a business
    that disconnects by mistake can connect again without losing it) and is then deleted
    by the retention sweep.
    """
    connection = get_connection(session, actor=actor, tenant=tenant, connection_id=connection_id, manage=True)
    if connection.status == DISCONNECTED:
        return to_read(connection)
    now = utcnow()
    connection.status = DISCONNECTED
    connection.disconnected_at = now
    connection.credentials_ct = None
    connection.webhook_secret_ct = None
    connection.token_expires_at = None
    connection.app_installation_id = None  # the sidebar app's requests no longer reach this business
    _forget_fresh(connection.id)
    flows = repository.delete_oauth_flows(session, tenant_id=tenant.id, connection_id=connection.id)
    cursors = repository.delete_cursors(session, tenant_id=tenant.id, connection_id=connection.id)
    stopped = 0
    for run in repository.unfinished_runs(session, tenant_id=tenant.id, connection_id=connection.id):
        run.status, run.finished_at, run.error = "interrupted", now, "the connection was disconnected"
        stopped += 1
    session.flush()
    _audit(session, actor, connection, "disconnected", syncs_stopped=stopped, oauth_flows=flows, cursors=cursors)
    return to_read(connection)
