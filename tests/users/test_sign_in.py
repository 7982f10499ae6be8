"""Signing in: passwords, the second factor, lockout, and the life of a session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp

from omniwise.auth.roles import Role
from omniwise.runtime import Runtime
from omniwise.users import login, sessions, totp
from omniwise.users.models import User, UserSession
from omniwise.users.service import actor_for
from omniwise.users.throttle import AddressThrottle
from tests.factories import PASSWORD, person


def _sign_in(runtime: Runtime, email: str, password: str = PASSWORD) -> login.SignIn:
    with runtime.transaction() as session:
        return login.sign_in(session, runtime.keyring, settings=runtime.settings, email=email, password=password)


def _user(runtime: Runtime, user_id: object) -> User:
    with runtime.transaction() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


def test_staff_must_enrol_a_second_factor_and_tenant_users_may(runtime: Runtime) -> None:
    person(runtime, Role.VENDOR_ADMIN, "boss@example.org")
    first = _sign_in(runtime, "boss@example.org")
    assert first.started is not None
    assert first.started.row.stage == sessions.ENROL
    wrong = _sign_in(runtime, "boss@example.org", "not the password at all")
    assert wrong.error is not None
    assert wrong.error.detail == login.WRONG_PASSWORD
    unknown = _sign_in(runtime, "nobody@example.org")
    assert unknown.error is not None
    assert unknown.error.detail == wrong.error.detail


def test_enrolment_then_codes_once_each(runtime: Runtime) -> None:
    user_id = person(runtime, Role.PRIVACY_OFFICER, "po@example.org")
    started = _sign_in(runtime, "po@example.org").started
    assert started is not None
    with runtime.transaction() as session:
        user = session.get(User, user_id)
        assert user is not None
        secret = login.new_totp_secret(session, runtime.keyring, user=user)
        assert user.totp_secret_ct is not None
        assert secret.encode() not in user.totp_secret_ct
        code = pyotp.TOTP(secret).now()
        assert (
            login.check_code(session, runtime.keyring, settings=runtime.settings, user=user, code="000000") is not None
        )
        assert login.check_code(session, runtime.keyring, settings=runtime.settings, user=user, code=code) is None
        assert user.totp_confirmed_at is not None
        replay = login.check_code(session, runtime.keyring, settings=runtime.settings, user=user, code=code)
        assert replay is not None
        assert replay.detail == login.WRONG_CODE
        row = session.get(UserSession, started.row.id)
        assert row is not None
        token = sessions.promote(session, row=row, settings=runtime.settings)
        assert token != started.token
    with runtime.transaction() as session:
        assert sessions.resolve(session, token=started.token, settings=runtime.settings) is None
        found = sessions.resolve(session, token=token, settings=runtime.settings)
        assert found is not None
        assert found[0].stage == sessions.FULL
    second = _sign_in(runtime, "po@example.org").started
    assert second is not None
    assert second.row.stage == sessions.VERIFY


def test_repeated_failures_lock_the_account(runtime: Runtime) -> None:
    user_id = person(runtime, Role.SUPPORT_AGENT, "agent@example.org")
    for _ in range(runtime.settings.login_max_failures):
        assert _sign_in(runtime, "agent@example.org", "a wrong password!").error is not None
    locked = _sign_in(runtime, "agent@example.org")  # the right password, too late
    assert locked.error is not None
    assert locked.error.status_code == 429
    assert locked.error.detail.startswith("email: too many failed attempts")
    assert "Retry-After" in locked.error.headers
    with runtime.transaction() as session:
        user = session.get(User, user_id)
        assert user is not None
        assert user.locked_until is not None
        user.locked_until = datetime.now(UTC) - timedelta(seconds=1)
    assert _sign_in(runtime, "agent@example.org").started is not None


def test_sessions_end_when_idle_or_too_old(runtime: Runtime) -> None:
    user_id = person(runtime, Role.SUPPORT_AGENT, "agent@example.org")
    user = _user(runtime, user_id)
    with runtime.transaction() as session:
        idle = sessions.start_session(session, user=user, stage=sessions.FULL, settings=runtime.settings)
        old = sessions.start_session(session, user=user, stage=sessions.FULL, settings=runtime.settings)
        fresh = sessions.start_session(session, user=user, stage=sessions.FULL, settings=runtime.settings)
        pending = sessions.start_session(session, user=user, stage=sessions.VERIFY, settings=runtime.settings)
    now = datetime.now(UTC)
    with runtime.transaction() as session:
        rows = {r.id: r for r in session.query(UserSession)}
        rows[idle.row.id].last_seen_at = now - timedelta(minutes=runtime.settings.session_idle_minutes + 1)
        rows[old.row.id].expires_at = now - timedelta(seconds=1)
        rows[pending.row.id].last_seen_at = now - timedelta(minutes=11)
    with runtime.transaction() as session:
        assert sessions.resolve(session, token=idle.token, settings=runtime.settings) is None
        assert sessions.resolve(session, token=old.token, settings=runtime.settings) is None
        assert sessions.resolve(session, token=pending.token, settings=runtime.settings) is None
        assert sessions.resolve(session, token=fresh.token, settings=runtime.settings) is not None
        assert {r.id for r in session.query(UserSession)} == {fresh.row.id}


def test_log_out_everywhere_ends_every_session(runtime: Runtime) -> None:
    user = _user(runtime, person(runtime, Role.SUPPORT_AGENT, "agent@example.org"))
    other = _user(runtime, person(runtime, Role.SUPPORT_AGENT, "other@example.org"))
    with runtime.transaction() as session:
        mine = [
            sessions.start_session(session, user=user, stage=sessions.FULL, settings=runtime.settings) for _ in range(3)
        ]
        theirs = sessions.start_session(session, user=other, stage=sessions.FULL, settings=runtime.settings)
    with runtime.transaction() as session:
        assert sessions.end_all_sessions(session, user=user, actor=actor_for(user)) == 3
    with runtime.transaction() as session:
        assert all(sessions.resolve(session, token=s.token, settings=runtime.settings) is None for s in mine)
        assert sessions.resolve(session, token=theirs.token, settings=runtime.settings) is not None


def test_csrf_tokens_are_bound_to_their_seed() -> None:
    token = sessions.csrf_token("seed-one")
    assert sessions.csrf_matches("seed-one", token)
    assert not sessions.csrf_matches("seed-two", token)
    assert not sessions.csrf_matches("seed-one", None)
    assert not sessions.csrf_matches("seed-one", "")


def test_totp_accepts_one_step_of_drift_and_refuses_reuse() -> None:
    secret = totp.new_secret()
    now = datetime(2026, 1, 5, 12, 0, 10, tzinfo=UTC)
    generator = pyotp.TOTP(secret)
    previous = generator.at(now - timedelta(seconds=30))
    counter = totp.accepted_counter(secret, previous, now=now, last_counter=None)
    assert counter == generator.timecode(now) - 1
    assert totp.accepted_counter(secret, previous, now=now, last_counter=counter) is None
    assert totp.accepted_counter(secret, generator.at(now - timedelta(seconds=90)), now=now, last_counter=None) is None
    assert totp.accepted_counter(secret, "12 34", now=now, last_counter=None) is None
    spaced = generator.at(now)
    assert totp.accepted_counter(secret, f"{spaced[:3]} {spaced[3:]}", now=now, last_counter=None) is not None
    uri = totp.provisioning_uri(secret, account="a@example.org")
    assert uri.startswith("otpauth://totp/Omni%20Wise:a%40example.org?secret=")
    assert "issuer=Omni%20Wise" in uri


def test_address_throttle_blocks_after_failures() -> None:
    failures = 3
    throttle = AddressThrottle(max_failures=failures, window_seconds=60, max_addresses=2)
    for _ in range(failures):
        assert throttle.retry_after("192.0.2.1") is None
        throttle.failed("192.0.2.1")
    wait = throttle.retry_after("192.0.2.1")
    assert wait is not None
    assert 0 < wait <= 61
    assert throttle.retry_after("192.0.2.2") is None
    throttle.failed("192.0.2.2")
    throttle.failed("192.0.2.3")  # the oldest address is forgotten beyond max_addresses
    assert throttle.retry_after("192.0.2.1") is None
