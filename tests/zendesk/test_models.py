"""The Zendesk tables keep the data rules: every personal column declared, sealed per person and erasable."""

from __future__ import annotations

from omniwise.config import DEFAULT_POLICY_FILE
from omniwise.models import metadata
from omniwise.policy.datamap import check_columns
from omniwise.policy.loader import load_policy


def test_every_zendesk_column_is_declared_to_the_policy() -> None:
    findings = check_columns(load_policy(DEFAULT_POLICY_FILE), metadata, source="policy")
    assert [f for f in findings if "zendesk" in str(f)] == []


def test_personal_columns_belong_to_a_person_and_secrets_to_the_tenant() -> None:
    zendesk = [t for t in metadata.sorted_tables if t.name.startswith("zendesk_")]
    personal = {(t.name, c.name) for t in zendesk for c in t.columns if c.info.get("personal") is True}
    assert ("zendesk_users", "email_ct") in personal
    assert ("zendesk_comments", "body_ct") in personal
    for table in {name for name, _ in personal} - {"zendesk_webhook_events"}:
        subject = metadata.tables[table].columns["subject_id"]
        assert [fk.column.table.name for fk in subject.foreign_keys] == ["data_subjects"], table
        assert next(iter(subject.foreign_keys)).ondelete == "CASCADE"
    sealed = {(t.name, c.name) for t in zendesk for c in t.columns if c.info.get("sealed") == "tenant"}
    assert ("zendesk_connections", "credentials_ct") in sealed
    assert all(metadata.tables[t].columns[c].info["personal"] is False for t, c in sealed)
    # ciphertext only: no personal value is ever stored in the clear
    for table, column in personal:
        assert column.endswith("_ct"), (table, column)
