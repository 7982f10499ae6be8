"""One contract for every master key provider, and the local key file's own rules."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from omniwise.config import ConfigError
from omniwise.keys import InMemoryKeyProvider, LocalKeyFileProvider, MasterKeyProvider
from omniwise.keys.providers import UnknownMasterKey

Factory = Callable[[Path], MasterKeyProvider]
PROVIDERS: dict[str, Factory] = {
    "memory": lambda _tmp: InMemoryKeyProvider(),
    "local-file": lambda tmp: LocalKeyFileProvider(tmp / "master.key"),
}


@pytest.fixture(params=sorted(PROVIDERS))
def provider(request: pytest.FixtureRequest, tmp_path: Path) -> MasterKeyProvider:
    return PROVIDERS[request.param](tmp_path)


def test_wrap_unwrap_with_context(provider: MasterKeyProvider) -> None:
    wrapped = provider.wrap(b"k" * 32, context=b"tenant-key|1")
    assert wrapped.key_id == provider.active_key_id()
    assert provider.unwrap(wrapped, context=b"tenant-key|1") == b"k" * 32
    with pytest.raises(UnknownMasterKey):
        provider.unwrap(wrapped, context=b"tenant-key|2")


def test_rotation_keeps_old_keys_until_retired(provider: MasterKeyProvider) -> None:
    old = provider.wrap(b"k" * 32, context=b"c")
    new_id = provider.add_key()
    assert provider.active_key_id() == new_id
    assert provider.unwrap(old, context=b"c") == b"k" * 32
    assert provider.wrap(b"k" * 32, context=b"c").key_id == new_id
    assert provider.retire_keys_except(new_id) == [old.key_id]
    with pytest.raises(UnknownMasterKey):
        provider.unwrap(old, context=b"c")


def test_local_file_is_created_private_and_reloads(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "master.key"
    first = LocalKeyFileProvider(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    wrapped = first.wrap(b"k" * 32, context=b"c")
    assert LocalKeyFileProvider(path).unwrap(wrapped, context=b"c") == b"k" * 32
    first.add_key()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_local_file_refuses_open_permissions_and_garbage(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    LocalKeyFileProvider(path)
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match=r"OMNIWISE_MASTER_KEY_FILE.*too open"):
        LocalKeyFileProvider(path)
    os.chmod(path, 0o600)
    path.write_text(json.dumps({"active": "x", "keys": {"x": "not base64!"}}))
    with pytest.raises(ConfigError, match="OMNIWISE_MASTER_KEY_FILE"):
        LocalKeyFileProvider(path)
