"""Notice versions: publish (and notify every contact of a significant change), read, compare, accept."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from omniwise.audit import AuditEntry, record
from omniwise.auth.actor import Actor
from omniwise.auth.roles import TENANT_ROLES, Permission
from omniwise.contacts import repository as contacts_repository
from omniwise.errors import Conflict, Forbidden, NotFound
from omniwise.kit.clock import utcnow
from omniwise.messaging.service import NewMessage, enqueue_many
from omniwise.messaging.templates import MAX_STRING
from omniwise.policy import repository
from omniwise.policy.diff import Change, diff_policies
from omniwise.policy.model import Policy
from omniwise.policy.models import NoticeAcceptance, PolicyVersion
from omniwise.policy.render import NoticeFormat, render_notice
from omniwise.tenants import repository as tenants_repository
from omniwise.tenants.models import Tenant
from omniwise.tenants.service import require

PAGE = 500
NOTICE_TEMPLATE = "notice_changed"
MAX_LISTED_CHANGES = 50


@dataclass(frozen=True)
class PublishResult:
    version: int
    created: bool
    significant: bool
    changes: list[Change]
    notified: int


_parsed: dict[str, Policy] = {}
_parsed_lock = threading.Lock()


def policy_of(version: PolicyVersion) -> Policy:
    """The policy a published version holds (parsed once per content)."""
    with _parsed_lock:
        cached = _parsed.get(version.sha256)
    if cached is None:
        cached = Policy.from_canonical(version.content)
        with _parsed_lock:
            _parsed[version.sha256] = cached
    return cached


def publish(session: Session, policy: Policy, *, actor: Actor) -> PublishResult:
    """Record `policy` as the next version, unless it is the current one already (then nothing happens).

    A significant change queues the notice-change message for every contact of every
    tenant in the same transaction, so a version is never published without its notices.
    """
    previous = repository.latest(session)
    if previous is not None and previous.sha256 == policy.sha256:
        return PublishResult(previous.version, False, previous.significant, [], 0)
    changes = diff_policies(policy_of(previous), policy) if previous is not None else []
    significant = any(change.significant for change in changes)
    number = previous.version + 1 if previous is not None else 1
    row = PolicyVersion(
        version=number,
        sha256=policy.sha256,
        content=policy.canonical_json(),
        published_at=utcnow(),
        published_by_type=actor.kind,
        published_by_id=actor.id,
        significant=significant,
        changes=[change.to_json() for change in changes],
        notified=0,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise Conflict(f"version {number} was published by someone else meanwhile; publish again") from None
    if significant:
        assert previous is not None
        row.notified = notify_contacts(
            session, policy, version=number, previous=previous.version, changes=changes, actor=actor
        )
        session.flush()
    record(
        session,
        AuditEntry(
            name="policy:version:published",
            actor_type=actor.kind,
            actor_id=actor.id,
            purpose="legal_compliance",
            object_type="policy_version",
            object_id=str(number),
            details={
                "sha256": policy.sha256,
                "significant": significant,
                "kinds": sorted({change.kind.value for change in changes if change.significant}),
                "notified": row.notified,
            },
        ),
    )
    return PublishResult(number, True, significant, changes, row.notified)


def notify_contacts(
    session: Session, policy: Policy, *, version: int, previous: int, changes: Sequence[Change], actor: Actor
) -> int:
    """Queue the notice-change message to every contact of every tenant; how many were queued."""
    summaries = [_short(change.summary) for change in changes if change.significant][:MAX_LISTED_CHANGES]
    params = {"version": version, "previous_version": previous, "changes": summaries}
    queued = 0
    after_tenant: uuid.UUID | None = None
    while tenants := tenants_repository.list_page(session, only=None, after=after_tenant, limit=PAGE):
        for tenant in tenants:
            after_contact: uuid.UUID | None = None
            while page := contacts_repository.recipients(session, tenant_id=tenant.id, after=after_contact, limit=PAGE):
                messages = [
                    NewMessage(
                        tenant.id, subject_id, "contact", contact_id, f"notice:{version}:contact:{contact_id}", params
                    )
                    for contact_id, subject_id in page
                ]
                queued += len(enqueue_many(session, policy, template=NOTICE_TEMPLATE, messages=messages, actor=actor))
                after_contact = page[-1][0]
        after_tenant = tenants[-1].id
    return queued


def _short(summary: str) -> str:
    # a message parameter is at most MAX_STRING long; the full change is one link away
    return summary if len(summary) <= MAX_STRING else summary[: MAX_STRING - 3].rstrip() + "..."


def list_versions(session: Session) -> Sequence[PolicyVersion]:
    return repository.all_versions(session)


def get_version(session: Session, *, version: int) -> PolicyVersion:
    row = repository.get(session, version)
    if row is None:
        raise NotFound(f"version {version} of the privacy notice does not exist")
    return row


def current_policy(session: Session, fallback: Policy) -> tuple[Policy, int | None]:
    """The policy of the newest published version, or `fallback` (the loaded file) before any is published."""
    latest = repository.latest(session)
    return (policy_of(latest), latest.version) if latest is not None else (fallback, None)


def diff_versions(session: Session, *, old: int, new: int) -> list[Change]:
    return diff_policies(policy_of(get_version(session, version=old)), policy_of(get_version(session, version=new)))


@dataclass(frozen=True)
class AcceptanceState:
    current_version: int | None
    accepted_current: bool
    items: Sequence[NoticeAcceptance]


def accept_notice(session: Session, *, actor: Actor, tenant: Tenant, version: int | None) -> NoticeAcceptance:
    """Record that a user of the business accepted the current version for it; accepting twice keeps the first."""
    if actor.kind != "system" and (actor.role not in TENANT_ROLES or actor.tenant_id != tenant.id):
        raise Forbidden("only the business's own users can accept the notice on its behalf")
    current = repository.latest(session)
    if current is None:
        raise Conflict("no version of the privacy notice has been published yet")
    if version is not None and version != current.version:
        raise Conflict(f"version: {version} is not the current version of the notice ({current.version})")
    existing = repository.acceptance_by(
        session, tenant_id=tenant.id, version=current.version, actor_type=actor.kind, actor_id=actor.id
    )
    if existing is not None:
        return existing
    row = NoticeAcceptance(
        id=uuid.uuid4(),
        version=current.version,
        tenant_id=tenant.id,
        actor_type=actor.kind,
        actor_id=actor.id,
        accepted_at=utcnow(),
    )
    session.add(row)
    session.flush()
    record(
        session,
        AuditEntry(
            name="policy:notice:accepted",
            actor_type=actor.kind,
            actor_id=actor.id,
            tenant_id=tenant.id,
            purpose="legal_compliance",
            object_type="policy_version",
            object_id=str(current.version),
            details={"acceptance_id": str(row.id)},
        ),
    )
    return row


def acceptance_state(session: Session, *, actor: Actor, tenant: Tenant) -> AcceptanceState:
    """The current version, whether the business has accepted it, and every acceptance it recorded."""
    require(actor, Permission.TENANTS_READ)
    current = repository.latest(session)
    items = repository.acceptances(session, tenant_id=tenant.id)
    accepted = current is not None and any(item.version == current.version for item in items)
    return AcceptanceState(current.version if current else None, accepted, items)


def render_current(session: Session, *, fallback: Policy, fmt: NoticeFormat) -> str:
    """The notice people read now: the newest published version, else the loaded policy."""
    policy, _ = current_policy(session, fallback)
    return render_notice(policy, fmt)


def render_version(session: Session, *, version: int, fmt: NoticeFormat) -> str:
    return render_notice(policy_of(get_version(session, version=version)), fmt)
