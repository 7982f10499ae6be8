"""The data map: every personal column of the models is declared in the policy, and stored as it promises."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Column, ForeignKey, LargeBinary, MetaData, String, Table, Uuid
from typer.testing import CliRunner

from omniwise.cli.main import app
from omniwise.models import metadata
from omniwise.policy.datamap import check_columns
from tests.policy.helpers import edit, shipped_policy, shipped_text, write


def _fresh_metadata() -> MetaData:
    """A copy of the platform's tables in a new MetaData, so a throwaway table cannot leak into the real one."""
    fresh = MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(fresh)
    return fresh


def _messages(found: list[object]) -> list[str]:
    return [str(finding) for finding in found]


def test_every_personal_column_of_the_models_is_declared() -> None:
    assert check_columns(shipped_policy(), metadata, source="policy.yaml") == []
    personal = [
        f"{table.name}.{column.name}"
        for table in metadata.sorted_tables
        for column in table.columns
        if column.info.get("personal") is True
    ]
    assert "contacts.email_ct" in personal


def test_an_undeclared_personal_column_fails() -> None:
    fresh = _fresh_metadata()
    Table(
        "callers",
        fresh,
        Column("id", Uuid, primary_key=True),
        Column("subject_id", Uuid, ForeignKey("data_subjects.id", ondelete="CASCADE")),
        Column("mobile_phone_ct", LargeBinary),
    )
    found = _messages(check_columns(shipped_policy(), fresh, source="policy.yaml"))
    assert len(found) == 1
    assert "column callers.mobile_phone_ct looks personal but is not declared" in found[0]


def test_a_personal_column_must_be_stored_in_a_declared_form() -> None:
    fresh = _fresh_metadata()
    Table(
        "leads",
        fresh,
        Column("id", Uuid, primary_key=True),
        Column("email", String(320), info={"personal": True, "category": "contact_information"}),
        Column("phone_ct", LargeBinary, info={"personal": True, "category": "contact_information"}),
    )
    found = _messages(check_columns(shipped_policy(), fresh, source="policy.yaml"))
    assert any("column leads.email is personal but not stored as ciphertext" in f for f in found), found
    assert any("leads.phone_ct is personal but table leads has no foreign key to data_subjects" in f for f in found)
    assert len(found) == 2


def test_plain_text_is_allowed_only_for_short_lived_categories() -> None:
    fresh = _fresh_metadata()
    Table(
        "probes",
        fresh,
        Column("id", Uuid, primary_key=True),
        # device data goes 90 days after collection; contact information 30 days after the account closes
        Column("ip", String(45), info={"personal": True, "category": "device_network_data", "form": "plaintext"}),
        Column("email", String(320), info={"personal": True, "category": "contact_information", "form": "plaintext"}),
    )
    found = _messages(check_columns(shipped_policy(), fresh, source="policy.yaml"))
    assert found == [
        "policy.yaml:1: column probes.email is kept in plain text, which is allowed only for a category kept at most "
        "90 days from collection"
    ]


def test_a_column_in_an_unknown_category_fails() -> None:
    fresh = _fresh_metadata()
    Table(
        "notes",
        fresh,
        Column("id", Uuid, primary_key=True),
        Column("subject_id", Uuid, ForeignKey("data_subjects.id", ondelete="CASCADE")),
        Column("body_ct", LargeBinary, info={"personal": True, "category": "health_records"}),
    )
    found = _messages(check_columns(shipped_policy(), fresh, source="policy.yaml"))
    assert found == [
        "policy.yaml:1: column notes.body_ct names category 'health_records', which the policy does not define"
    ]


def test_a_column_declared_not_personal_is_left_alone() -> None:
    fresh = _fresh_metadata()
    Table("webhooks", fresh, Column("id", Uuid, primary_key=True), Column("name", String(50), info={"personal": False}))
    assert check_columns(shipped_policy(), fresh, source="policy.yaml") == []


def test_policy_check_fails_on_a_column_no_model_has(tmp_path: Path) -> None:
    text = edit(
        shipped_text(),
        "    columns: [api_keys.name, api_keys.last_used_at]",
        "    columns: [api_keys.name, api_keys.nickname]",
    )
    path = write(tmp_path, text)
    result = CliRunner().invoke(app, ["policy", "check", "--policy", str(path)])
    assert result.exit_code == 1
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "api_keys.nickname" in row)
    assert result.stdout.strip() == (
        f"{path}:{line}: category 'usage_information' lists column api_keys.nickname, which no model has"
    )
