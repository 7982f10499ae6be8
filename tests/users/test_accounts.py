"""Accounts: who may have one, how their email is kept, and what erasing or disabling them does."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from omniwise.auth.actor import SYSTEM
from omniwise.auth.roles import Role
from omniwise.errors import Conflict, NotFound, ValidationFailed
from omniwise.keys import KeyDestroyed
from omniwise.models import metadata
from omniwise.policy.datamap import check_columns
from omniwise.runtime import Runtime
from omniwise.subjects.service import erase_subject
from omniwise.users import crypto, login, sessions
from omniwise.users.models import User, UserSession
from omniwise.users.schemas import UserCreate
from omniwise.users.service import create_user, disable_user, find_by_email, list_users
from tests.factories import PASSWORD, api_token, create_tenant, person


def _create(runtime: Runtime, **fields: object) -> User:
    with runtime.transaction() as session:
        data = UserCreate.model_validate(fields)
        return create_user(session, runtime.keyring, settings=runtime.settings, data=data, password=PASSWORD)


def test_roles_bind_to_a_tenant_or_to_none(client: TestClient, runtime: Runtime) -> None:
    tenant = create_tenant(client, api_token(runtime, Role.VENDOR_ADMIN))
    with pytest.raises(ValidationFailed, match="tenant_id: role tenant-admin belongs to a tenant"):
        _create(runtime, email="a@example.org", role="tenant-admin")
    with pytest.raises(ValidationFailed, match="tenant_id: role privacy-officer is vendor staff"):
        _create(runtime, email="a@example.org", role="privacy-officer", tenant_id=tenant)
    with pytest.raises(NotFound, match="does not exist"):
        _create(runtime, email="a@example.org", role="tenant-member", tenant_id=uuid.uuid4())
    staff = _create(runtime, email="ops@example.org", role="support-agent")
    member = _create(runtime, email="member@example.org", role="tenant-member", tenant_id=tenant)
    assert staff.tenant_id is None
    assert staff.subject_id is None
    assert member.tenant_id == tenant
    assert member.subject_id is not None


def test_email_is_sealed_and_found_by_keyed_hash_case_insensitively(runtime: Runtime) -> None:
    user = _create(runtime, email="Grace.Hopper@Example.org", role="vendor-admin", name="Grace Hopper")
    assert b"Grace" not in user.email_ct
    assert b"Hopper" not in (user.name_ct or b"")
    assert len(user.email_hmac) == 64
    assert "grace" not in user.email_hmac
    with runtime.transaction() as session:
        found = find_by_email(session, runtime.keyring, email="grace.hopper@EXAMPLE.org")
        assert found is not None
        assert found.id == user.id
        assert find_by_email(session, runtime.keyring, email="not an address") is None
        views = list_users(session, runtime.keyring)
    assert [(v.email, v.name, v.role) for v in views] == [
        ("Grace.Hopper@example.org", "Grace Hopper", Role.VENDOR_ADMIN)
    ]
    with pytest.raises(Conflict, match="email: an account with that address already exists"):
        _create(runtime, email="GRACE.HOPPER@example.org", role="support-agent")


def test_password_rules_name_the_field(runtime: Runtime) -> None:
    data = UserCreate(email="x@example.org", role=Role.VENDOR_ADMIN)
    with runtime.transaction() as session, pytest.raises(ValidationFailed, match="password: must be at least 12"):
        create_user(session, runtime.keyring, settings=runtime.settings, data=data, password="short")


def test_staff_keys_live_in_the_vendor_scope(runtime: Runtime) -> None:
    user = _create(runtime, email="staff@example.org", role="vendor-admin")
    assert crypto.key_scope(user) == (crypto.VENDOR_SCOPE, user.id)
    assert runtime.keyring.has_subject_key(user.id)


def test_erasing_a_tenant_user_deletes_the_account_and_its_sessions(client: TestClient, runtime: Runtime) -> None:
    tenant = create_tenant(client, api_token(runtime, Role.VENDOR_ADMIN))
    user_id = person(runtime, Role.TENANT_ADMIN, "admin@acme.example", tenant_id=tenant)
    with runtime.transaction() as session:
        user = session.get(User, user_id)
        assert user is not None
        assert user.subject_id is not None
        subject_id = user.subject_id
        sessions.start_session(session, user=user, stage=sessions.FULL, settings=runtime.settings)
    with runtime.transaction() as session:
        erase_subject(
            session, runtime.keyring, tenant_id=tenant, subject_id=subject_id, actor=SYSTEM, purpose="privacy_requests"
        )
    with runtime.transaction() as session:
        assert session.get(User, user_id) is None
        assert session.scalar(select(func.count()).select_from(UserSession)) == 0
    with pytest.raises(KeyDestroyed):
        runtime.keyring.cipher(tenant, subject_id)


def test_disabling_ends_sessions_and_refuses_sign_in(runtime: Runtime) -> None:
    user_id = person(runtime, Role.SUPPORT_AGENT, "agent@example.org")
    with runtime.transaction() as session:
        user = session.get(User, user_id)
        assert user is not None
        started = sessions.start_session(session, user=user, stage=sessions.FULL, settings=runtime.settings)
        assert disable_user(session, user=user) == 1
    with runtime.transaction() as session:
        assert sessions.resolve(session, token=started.token, settings=runtime.settings) is None
        result = login.sign_in(
            session, runtime.keyring, settings=runtime.settings, email="agent@example.org", password=PASSWORD
        )
        assert result.started is None
        assert result.error is not None
        assert result.error.status_code == 401


def test_every_account_column_is_declared_in_the_policy(runtime: Runtime) -> None:
    findings = check_columns(runtime.policy, metadata, source="policy")
    assert [f for f in findings if "users" in f.message] == []
