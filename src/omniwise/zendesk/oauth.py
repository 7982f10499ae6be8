"""OAuth with Zendesk's global OAuth client: authorization code with PKCE, and refresh tokens that rotate.

Every refresh returns a new refresh token and retires the old one, so the new pair is
stored before the new access token is used (see `connections`).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from omniwise.kit.clock import utcnow
from omniwise.zendesk.client import USER_AGENT, Marketplace
from omniwise.zendesk.errors import ZendeskAuthFailed, ZendeskError, ZendeskUnavailable

SCOPE = "read write"


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    scope: str | None


def new_pkce() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def authorize_url(
    base_url: str, *, client_id: str, redirect_url: str, state: str, code_challenge: str, scope: str = SCOPE
) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_url,
            "scope": scope,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{base_url.rstrip('/')}/oauth/authorizations/new?{query}"


def _token_request(
    base_url: str,
    body: dict[str, Any],
    *,
    marketplace: Marketplace,
    timeout: float,
    transport: httpx.BaseTransport | None,
    what: str,
) -> TokenSet:
    headers = {**marketplace.headers(), "User-Agent": USER_AGENT, "Accept": "application/json"}
    try:
        with httpx.Client(timeout=timeout, transport=transport, headers=headers) as http:
            response = http.post(f"{base_url.rstrip('/')}/oauth/tokens", json=body)
    except httpx.TransportError as exc:
        raise ZendeskUnavailable(f"oauth: Zendesk unreachable for the {what} ({type(exc).__name__})") from None
    if response.status_code >= 500:
        raise ZendeskUnavailable(f"oauth: Zendesk answered {response.status_code} to the {what}")
    if response.status_code in (400, 401, 403):
        raise ZendeskAuthFailed(f"oauth: Zendesk refused the {what} ({response.status_code})")
    if response.status_code >= 300:
        raise ZendeskError(f"oauth: Zendesk answered {response.status_code} to the {what}")
    try:
        data = response.json()
        access_token = str(data["access_token"])
    except (ValueError, KeyError, TypeError):
        raise ZendeskError(f"oauth: Zendesk's answer to the {what} has no access token") from None
    expires_in = data.get("expires_in")
    expires_at = utcnow() + timedelta(seconds=int(expires_in)) if isinstance(expires_in, int) else None
    refresh = data.get("refresh_token")
    return TokenSet(access_token, str(refresh) if refresh else None, expires_at, data.get("scope"))


def exchange_code(
    base_url: str,
    *,
    code: str,
    code_verifier: str,
    client_id: str,
    client_secret: str,
    redirect_url: str,
    marketplace: Marketplace,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> TokenSet:
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uri": redirect_url,
        "scope": SCOPE,
        "code_verifier": code_verifier,
    }
    return _token_request(
        base_url, body, marketplace=marketplace, timeout=timeout, transport=transport, what="authorization code"
    )


def refresh_tokens(
    base_url: str,
    *,
    refresh_token: str,
    client_id: str,
    client_secret: str,
    marketplace: Marketplace,
    timeout: float = 30.0,
    transport: httpx.BaseTransport | None = None,
) -> TokenSet:
    body = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": client_id,
        "client_secret": client_secret,
        "scope": SCOPE,
    }
    return _token_request(
        base_url, body, marketplace=marketplace, timeout=timeout, transport=transport, what="token refresh"
    )
