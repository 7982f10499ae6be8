"""The billing tables declare every personal column to the policy, and have no column for card data."""

from __future__ import annotations

from omniwise.config import DEFAULT_POLICY_FILE
from omniwise.models import metadata
from omniwise.policy.datamap import check_columns
from omniwise.policy.loader import load_policy

CARD_WORDS = {"card", "cvc", "cvv", "pan", "iban", "account", "routing", "exp", "fingerprint", "last4"}


def test_billing_personal_columns_are_declared_and_encrypted() -> None:
    policy = load_policy(DEFAULT_POLICY_FILE)
    findings = [f for f in check_columns(policy, metadata, source="policy") if "billing" in f.message]
    assert findings == []
    personal = {
        f"{table.name}.{column.name}": column.info["category"]
        for table in metadata.tables.values()
        if table.name.startswith("billing")
        for column in table.columns
        if column.info.get("personal")
    }
    assert personal == {
        "billing_contacts.name_ct": "contact_information",
        "billing_contacts.email_ct": "contact_information",
        "billing_contacts.address_ct": "billing_details",
    }


def test_no_billing_table_has_a_place_for_card_or_bank_data() -> None:
    columns = [
        column.name for name, table in metadata.tables.items() if name.startswith("billing") for column in table.columns
    ]
    assert len(columns) > 40
    assert [name for name in columns if CARD_WORDS & set(name.split("_"))] == []
