"""Rules for cookie consent: what a choice may say, how GPC overrides it, and the proof kept of it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniwise.consent.models import ConsentRecord
from omniwise.consent.schemas import ConsentSource, ConsentState
from omniwise.consent.secret import ip_hmac
from omniwise.devices.service import normalise_ip
from omniwise.errors import ServiceUnavailable, ValidationFailed
from omniwise.policy.model import Cookies, Policy
from omniwise.policy.models import PolicyVersion


def cookies_of(policy: Policy) -> Cookies:
    if policy.cookies is None:
        raise ServiceUnavailable("the privacy policy declares no cookies, so there is nothing to consent to")
    return policy.cookies


def effective_choices(cookies: Cookies, choices: Mapping[str, bool], *, gpc: bool) -> dict[str, bool]:
    """Every group's state: strictly necessary ones on; the others as chosen, and off under GPC."""
    known = {g.id for g in cookies.groups}
    for group_id in choices:
        if group_id not in known:
            raise ValidationFailed(f"choices.{group_id}: not a cookie group of the privacy policy")
    return {g.id: (not g.consent) or (not gpc and bool(choices.get(g.id, False))) for g in cookies.groups}


def _notice_version(session: Session, policy: Policy) -> int | None:
    stmt = select(PolicyVersion.version).where(PolicyVersion.sha256 == policy.sha256).order_by(PolicyVersion.version)
    return session.scalars(stmt).first()


def to_state(record: ConsentRecord | None, cookies: Cookies) -> ConsentState:
    if record is None:
        return ConsentState(
            consent_id=None,
            choices=effective_choices(cookies, {}, gpc=False),
            gpc=False,
            source=None,
            recorded_at=None,
            notice_sha256=None,
            notice_version=None,
            cookies_sha256=None,
            current=False,
        )
    return ConsentState(
        consent_id=record.consent_id,
        choices=effective_choices(
            cookies, {k: v for k, v in record.choices.items() if k in {g.id for g in cookies.groups}}, gpc=record.gpc
        ),
        gpc=record.gpc,
        source=record.source,
        recorded_at=record.recorded_at,
        notice_sha256=record.notice_sha256,
        notice_version=record.notice_version,
        cookies_sha256=record.cookies_sha256,
        current=record.cookies_sha256 == cookies.sha256,
    )


def latest(session: Session, *, consent_id: uuid.UUID) -> ConsentRecord | None:
    stmt = (
        select(ConsentRecord)
        .where(ConsentRecord.consent_id == consent_id)
        .order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def current_consent(session: Session, *, policy: Policy, consent_id: uuid.UUID | None) -> ConsentState:
    cookies = cookies_of(policy)
    record_ = latest(session, consent_id=consent_id) if consent_id is not None else None
    return to_state(record_, cookies)


def record_consent(
    session: Session,
    *,
    policy: Policy,
    consent_id: uuid.UUID | None,
    choices: Mapping[str, bool],
    source: ConsentSource,
    gpc: bool,
    origin: str | None,
    ip: str | None,
    secret: bytes,
) -> ConsentState:
    """Append a choice (a first one, a change, a withdrawal) with its proof; the state now in force.

    Under Global Privacy Control every group that needs consent is recorded as refused,
    whatever the request asked for: the signal is the person's standing refusal. The
    records are their own evidence (append-only, one per choice), so a browser's clicks
    are not copied into the audit chain.
    """
    cookies = cookies_of(policy)
    effective = effective_choices(cookies, choices, gpc=gpc)
    address = normalise_ip(ip) if ip else None
    record_ = ConsentRecord(
        consent_id=consent_id or uuid.uuid4(),
        choices={g.id: effective[g.id] for g in cookies.consent_groups},
        gpc=gpc,
        source=source.value,
        notice_sha256=policy.sha256,
        notice_version=_notice_version(session, policy),
        cookies_sha256=cookies.sha256,
        origin=origin[:200] if origin else None,
        ip_hmac=ip_hmac(secret, address) if address else None,
    )
    session.add(record_)
    session.flush()
    return to_state(record_, cookies)
