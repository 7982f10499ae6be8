"""What the accounts of people who sign in contribute to privacy requests (Omni Wise is the controller).

An account is found by the keyed hash of its sign-in address (one per address across
the platform). Access gives the account's data (address, name, role, business, dates,
whether a second factor is set up, its sessions); the password hash and the TOTP secret
are credentials, held but not disclosed, which the export says. Deletion closes the
account for good (`users.service.erase_user`: sessions ended, key destroyed, row
deleted). Name and sign-in address can be corrected.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from omniwise.policy.binding import policy_for
from omniwise.policy.enforcement import require_purpose
from omniwise.privacy.contract import (
    ExportSection,
    Holding,
    Outcome,
    StepContext,
    SubjectRole,
    checked_changes,
    contribution,
    iso,
    record_schema,
)
from omniwise.users import repository, service
from omniwise.users.models import CONTACT, User
from omniwise.users.schemas import UserCorrection

NAME = "users"
CATEGORY = str(CONTACT["category"])
WHERE = "platform database"
KEY_STORE = "key store (the person's own key)"
SESSIONS = "platform database (sign-in sessions)"
WITHHELD = "held, not disclosed for security"
LABELS = {"name": "Name on the account", "email": "Sign-in email address"}

SCHEMA = record_schema(
    "Your account for signing in to Omni Wise",
    {
        "user_id": ("string", False),
        "tenant_id": ("string", True),
        "role": ("string", False),
        "email": ("string", False),
        "name": ("string", True),
        "created_at": ("string", False),
        "second_factor_enrolled": ("boolean", False),
        "disabled": ("boolean", False),
        "sessions": ("integer", False),
        "password": ("string", False),
        "second_factor_secret": ("string", False),
    },
)


def _check(ctx: StepContext, tenant_id: uuid.UUID | None) -> None:
    require_purpose(
        ctx.session,
        policy_for(ctx.session),
        category=CATEGORY,
        purpose=ctx.purpose,
        actor=ctx.actor,
        tenant_id=tenant_id,
    )


def account_for(ctx: StepContext, *, email: str, tenant_id: uuid.UUID | None) -> User | None:
    """The account signing in with this address, if it belongs to the business asked about (any, when None).

    Usage and device records name an account by its id only; they are found through this.
    """
    user = service.find_by_email(ctx.session, ctx.runtime.keyring, email=email)
    if user is None or (tenant_id is not None and user.tenant_id != tenant_id):
        return None
    return user


def _user(ctx: StepContext, holding: Holding) -> User | None:
    return repository.get(ctx.session, uuid.UUID(holding.key))


def _record(ctx: StepContext, user: User) -> dict[str, Any]:
    view = service.to_view(ctx.runtime.keyring, user)
    return {
        "user_id": str(user.id),
        "tenant_id": str(user.tenant_id) if user.tenant_id else None,
        "role": view.role.value,
        "email": view.email,
        "name": view.name,
        "created_at": iso(view.created_at),
        "second_factor_enrolled": view.second_factor,
        "disabled": view.disabled,
        "sessions": len(repository.sessions_of(ctx.session, user.id)),
        "password": WITHHELD,
        "second_factor_secret": WITHHELD if user.totp_secret_ct is not None else "none set",
    }


def _correction(changes: Mapping[str, str]) -> UserCorrection:
    """The requested changes this part holds, read by its own correction schema."""
    return checked_changes(UserCorrection, {key: value for key, value in changes.items() if key in LABELS})


@contribution
class UsersContribution:
    """Accounts of tenant users and vendor staff: sign-in address, name, role, sessions."""

    name = NAME

    def locate(self, ctx: StepContext, *, email: str, tenant_id: uuid.UUID | None) -> list[Holding]:
        _check(ctx, tenant_id)
        user = account_for(ctx, email=email, tenant_id=tenant_id)
        if user is None:
            return []
        owner = f"tenant {user.tenant_id}" if user.tenant_id else "vendor staff"
        return [
            Holding(
                contribution=NAME,
                category=CATEGORY,
                role=SubjectRole.CONTROLLER,
                tenant_id=user.tenant_id,
                subject_id=user.subject_id,
                key=str(user.id),
                records=1 + len(repository.sessions_of(ctx.session, user.id)),
                description=f"account {user.id} ({owner})",
            )
        ]

    def export(self, ctx: StepContext, holdings: list[Holding]) -> Iterator[ExportSection]:
        if holdings:
            yield ExportSection(
                name="accounts",
                category=CATEGORY,
                title="Your account for signing in",
                schema=SCHEMA,
                records=self._records(ctx, holdings),
            )

    def _records(self, ctx: StepContext, holdings: list[Holding]) -> Iterator[dict[str, Any]]:
        for holding in holdings:
            user = _user(ctx, holding)
            if user is None:
                continue
            _check(ctx, user.tenant_id)
            service.audit(ctx.session, ctx.actor, user, "exported", request_id=str(ctx.request_id))
            yield _record(ctx, user)

    def erase(self, ctx: StepContext, holdings: list[Holding]) -> list[Outcome]:
        if not holdings:
            return []
        rows = keys = ended = 0
        for holding in holdings:
            user = _user(ctx, holding)
            if user is None:
                continue  # closed by a run before this one
            _check(ctx, user.tenant_id)
            erased = service.erase_user(
                ctx.session, ctx.runtime.keyring, user=user, actor=ctx.actor, purpose=ctx.purpose
            )
            rows += erased.rows_deleted
            keys += int(erased.key_destroyed)
            ended += erased.sessions_ended
        return [
            Outcome(NAME, CATEGORY, "deleted", SESSIONS, ended),
            Outcome(NAME, CATEGORY, "deleted", KEY_STORE, keys),
            Outcome(NAME, CATEGORY, "deleted", WHERE, rows),
        ]

    def correctable(self) -> Mapping[str, str]:
        return LABELS

    def check_changes(self, changes: Mapping[str, str]) -> None:
        _correction(changes)

    def correct(self, ctx: StepContext, holdings: list[Holding]) -> list[Outcome]:
        data = _correction(ctx.changes)
        if not holdings or not data.model_fields_set:
            return []
        corrected = 0
        for holding in holdings:
            user = _user(ctx, holding)
            if user is None:
                continue
            _check(ctx, user.tenant_id)
            corrected += int(
                bool(service.correct_user(ctx.session, ctx.runtime.keyring, user=user, data=data, actor=ctx.actor))
            )
        return [Outcome(NAME, CATEGORY, "corrected", WHERE, corrected)]

    def opt_out(self, ctx: StepContext, holdings: list[Holding], *, email: str) -> list[Outcome]:
        return []  # account messages are transactional; promotional ones are the messaging contribution's
