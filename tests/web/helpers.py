"""Signing in through the pages, as a browser would, with a TestClient."""

from __future__ import annotations

import re
import time

import httpx
import pyotp
from fastapi.testclient import TestClient

from tests.factories import PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SECRET = re.compile(r'id="totp-secret">([^<]+)<')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form token"
    return found.group(1)


def sign_in(
    client: TestClient, email: str, password: str = PASSWORD, *, secret: str | None = None, step: int = 0
) -> str | None:
    """Sign in; staff without an authenticator enrol one. Returns the authenticator secret, if any.

    A code is accepted once, so a second sign-in within the same 30 seconds passes `step=1`:
    the next step's code, which the one-step drift allowance accepts.
    """
    page = client.get("/login")
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    if not response.headers["location"].startswith("/login/second-factor"):
        return secret
    page = client.get("/login/second-factor")
    shown = SECRET.search(page.text)
    if shown:
        secret = shown.group(1).replace(" ", "")
    assert secret, "a second factor is asked for but none is known"
    response = client.post(
        "/login/second-factor",
        data={"code": pyotp.TOTP(secret).at(time.time() + 30 * step), "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return secret


def post_form(client: TestClient, page_path: str, action: str, data: dict[str, str]) -> httpx.Response:
    """Load a page, then submit one of its forms with the page's token."""
    token = csrf_of(client.get(page_path).text)
    return client.post(action, data={**data, "csrf_token": token}, follow_redirects=False)
