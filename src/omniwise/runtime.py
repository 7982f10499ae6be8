"""The runtime: settings, database, key ring and audit anchor, built once per process."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from omniwise.audit.anchor import AnchorSink, FileAnchorSink
from omniwise.audit.service import bind_anchor_sink
from omniwise.config import ConfigError, Settings
from omniwise.db import create_db_engine, is_sqlite, make_sessionmaker, normalise_url
from omniwise.keys import KeyRing, LocalKeyFileProvider, MasterKeyProvider
from omniwise.policy.binding import bind_policy
from omniwise.policy.loader import PolicyInvalid, load_policy
from omniwise.policy.model import Policy


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    keyring: KeyRing
    anchor_sink: AnchorSink
    policy: Policy

    def session(self) -> Session:
        """A session whose audit appends are anchored after commit, enforcing the process's policy."""
        session = self.sessions()
        bind_anchor_sink(session, self.anchor_sink)
        bind_policy(session, self.policy)
        return session

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed at the end of the block, rolled back on error."""
        session = self.session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
        if self.keyring.engine is not self.engine:
            self.keyring.engine.dispose()


def build_runtime(
    settings: Settings,
    *,
    provider: MasterKeyProvider | None = None,
    anchor_sink: AnchorSink | None = None,
    policy: Policy | None = None,
) -> Runtime:
    if policy is None:
        try:
            policy = load_policy(settings.policy_file)
        except PolicyInvalid as exc:
            raise ConfigError(f"OMNIWISE_POLICY_FILE: {exc.findings[0]}") from None
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_db_engine(settings.resolved_database_url)
    keystore_url = settings.resolved_keystore_url
    if normalise_url(keystore_url) == normalise_url(settings.resolved_database_url):
        keystore_engine = engine
    else:
        keystore_engine = create_db_engine(keystore_url, secure_delete=is_sqlite(keystore_url))
    keyring = KeyRing(
        provider or LocalKeyFileProvider(settings.resolved_master_key_file),
        keystore_engine,
        cache_seconds=settings.key_cache_seconds,
    )
    return Runtime(
        settings=settings,
        engine=engine,
        sessions=make_sessionmaker(engine),
        keyring=keyring,
        anchor_sink=anchor_sink or FileAnchorSink(settings.resolved_audit_anchor_file),
        policy=policy,
    )
