"""One-time tokens of privacy requests: verification links (24 hours) and export downloads (7 days).

Only a SHA-256 of each token is stored; the token itself travels in the message. A token
is used once: the UPDATE that marks it used is conditional on its being unused, so two
clicks at once cannot both pass.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from omniwise.errors import Gone, NotFound
from omniwise.kit.clock import utcnow
from omniwise.privacy import sealing
from omniwise.privacy.models import PrivacyRequest, PrivacyRequestToken, TokenPurpose

LIFETIME = {TokenPurpose.VERIFY: timedelta(hours=24), TokenPurpose.EXPORT: timedelta(days=7)}


def issue(session: Session, *, request: PrivacyRequest, purpose: TokenPurpose) -> str:
    token = sealing.new_token()
    now = utcnow()
    session.add(
        PrivacyRequestToken(
            id=uuid.uuid4(),
            request_id=request.id,
            purpose=purpose.value,
            token_hash=sealing.token_hash(token),
            created_at=now,
            expires_at=now + LIFETIME[purpose],
        )
    )
    session.flush()
    return token


def issue_export_token(session: Session, *, request: PrivacyRequest) -> str:
    return issue(session, request=request, purpose=TokenPurpose.EXPORT)


def consume(session: Session, *, token: str, purpose: TokenPurpose) -> PrivacyRequest:
    """The request a token opens, marking it used; 404 for an unknown token, 410 for a used or expired one."""
    row = session.scalars(
        select(PrivacyRequestToken).where(
            PrivacyRequestToken.token_hash == sealing.token_hash(token), PrivacyRequestToken.purpose == purpose.value
        )
    ).one_or_none()
    if row is None:
        raise NotFound("token: unknown")
    now = utcnow()
    if row.used_at is not None:
        raise Gone("token: already used")
    if row.expires_at <= now:
        raise Gone("token: expired")
    result = session.execute(
        update(PrivacyRequestToken)
        .where(PrivacyRequestToken.id == row.id, PrivacyRequestToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    if result.rowcount != 1:
        raise Gone("token: already used")
    request = session.get(PrivacyRequest, row.request_id)
    assert request is not None
    return request
