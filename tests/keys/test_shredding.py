"""Crypto-shredding and master key rotation, against the real key store and database files."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from omniwise.app import create_app
from omniwise.auth.roles import Role
from omniwise.config import Settings
from omniwise.contacts.models import Contact
from omniwise.keys import KeyDestroyed, LocalKeyFileProvider
from omniwise.keys.models import SubjectKey
from omniwise.runtime import Runtime, build_runtime
from tests.factories import api_token, auth, create_contact, create_tenant

SECRET_VALUES = ("Zelda Quixotic-Marsh", "zelda.quixotic@example.net", "+442079460958", "Chief Lighthouse Keeper")


def _make_contact(client: TestClient, runtime: Runtime) -> tuple[uuid.UUID, uuid.UUID, str]:
    admin = api_token(runtime, Role.VENDOR_ADMIN)
    tenant_id = create_tenant(client, admin)
    contact_id = create_contact(
        client,
        admin,
        tenant_id,
        name=SECRET_VALUES[0],
        email=SECRET_VALUES[1],
        phone=SECRET_VALUES[2],
        job_title=SECRET_VALUES[3],
    )
    return tenant_id, contact_id, admin


def test_no_plaintext_in_any_database_file(client: TestClient, runtime: Runtime, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("greps the embedded SQLite files; PostgreSQL stores the same ciphertext")
    tenant_id, contact_id, admin = _make_contact(client, runtime)
    assert client.get(f"/api/v1/tenants/{tenant_id}/contacts/{contact_id}", headers=auth(admin)).status_code == 200
    client.patch(
        f"/api/v1/tenants/{tenant_id}/contacts/{contact_id}",
        json={"job_title": "Harbour Master Extraordinaire"},
        headers=auth(admin),
    )
    runtime.dispose()  # closes connections, checkpointing the WAL into the files
    files = [f for f in runtime.settings.data_dir.iterdir() if f.is_file()]
    assert any(f.name == "omniwise.db" for f in files)
    for file in files:
        content = file.read_bytes()
        for value in (*SECRET_VALUES, "Harbour Master Extraordinaire", "zelda", "Quixotic"):
            assert value.encode() not in content, f"plaintext found in {file.name}"
            assert value.lower().encode() not in content.lower(), f"plaintext found in {file.name}"


def test_shredding_makes_a_copy_of_the_database_unreadable(
    client: TestClient, runtime: Runtime, backend: str, tmp_path: Path
) -> None:
    tenant_id, contact_id, admin = _make_contact(client, runtime)
    with runtime.transaction() as session:
        row = session.get(Contact, contact_id)
        assert row is not None
        subject_id, email_ct = row.subject_id, row.email_ct
    copy = None
    if backend == "sqlite":
        runtime.dispose()
        copy = tmp_path / "backup.db"
        shutil.copy(runtime.settings.data_dir / "omniwise.db", copy)

    assert client.delete(f"/api/v1/tenants/{tenant_id}/contacts/{contact_id}", headers=auth(admin)).status_code == 204

    with runtime.transaction() as session:
        assert session.get(Contact, contact_id) is None
    with runtime.keyring._sessions() as keystore:
        assert keystore.get(SubjectKey, subject_id) is None
    # the running process and a brand-new one (cold caches) both fail to decrypt
    fresh = build_runtime(runtime.settings)
    for keyring in (runtime.keyring, fresh.keyring):
        with pytest.raises(KeyDestroyed):
            keyring.cipher(tenant_id, subject_id).open(email_ct, table="contacts", column="email", row_id=contact_id)
    fresh.dispose()
    if copy is not None:
        with sqlite3.connect(copy) as backup:
            stored = backup.execute("SELECT email_ct, subject_id FROM contacts").fetchall()
        assert len(stored) == 1  # the backup still holds the ciphertext...
        with pytest.raises(KeyDestroyed):  # ...which no key can open any more
            runtime.keyring.cipher(tenant_id, subject_id)


def test_rotate_master_rewraps_without_touching_data(client: TestClient, runtime: Runtime, backend: str) -> None:
    tenant_id, contact_id, admin = _make_contact(client, runtime)
    with runtime.transaction() as session:
        before = session.get(Contact, contact_id)
        assert before is not None
        email_ct_before = before.email_ct
    old_key_id = runtime.keyring.provider.active_key_id()

    report = runtime.keyring.rotate_master()

    assert report.tenant_keys_rewrapped >= 1
    assert report.retired_master_key_ids == [old_key_id]
    with runtime.transaction() as session:
        after = session.get(Contact, contact_id)
        assert after is not None
        assert after.email_ct == email_ct_before
    # a new process, reading the rotated key file, still reads the contact
    fresh = build_runtime(runtime.settings, provider=LocalKeyFileProvider(runtime.settings.resolved_master_key_file))
    assert fresh.keyring.provider.active_key_id() == report.new_master_key_id
    with TestClient(create_app(fresh)) as other:
        read = other.get(f"/api/v1/tenants/{tenant_id}/contacts/{contact_id}", headers=auth(admin))
        assert read.status_code == 200
        assert read.json()["email"] == SECRET_VALUES[1]
    fresh.dispose()


def test_settings_keep_keys_apart_from_data(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_keystore_url != settings.resolved_database_url
