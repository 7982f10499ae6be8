"""The data map: every personal column of the models is declared in the policy.

A column is declared when it carries `info={"personal": True, "category": <id>}` naming a
category of the policy, or when a category lists it under `columns`. A column that looks
personal (a `*_ct` ciphertext column, or a name such as email, phone, name or address)
and is declared neither way is a finding, so a new personal field cannot slip in unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Column, LargeBinary, MetaData, String

from omniwise.policy.loader import check_file
from omniwise.policy.model import Policy, Trigger
from omniwise.policy.source import Finding, PathKey, parse

PERSONAL_WORDS = frozenset(
    {
        "email",
        "phone",
        "mobile",
        "name",
        "firstname",
        "lastname",
        "surname",
        "address",
        "birthdate",
        "dob",
        "ip",
        "street",
        "postcode",
        "zip",
    }
)
# Blind indexes are 16-bit truncated HMACs: they narrow a lookup to candidates but identify
# no one on their own, so they belong to the field they index rather than stand alone.
NOT_PERSONAL_SUFFIXES = ("_bidx",)


def looks_personal(name: str) -> bool:
    if name.endswith(NOT_PERSONAL_SUFFIXES):
        return False
    if name.endswith("_ct"):
        return True
    return bool(PERSONAL_WORDS & set(re.split(r"_+", name.lower())))


# The longest a personal value may sit in plain text: device data such as an IP address is
# needed as it is (to spot abuse), so it is kept readable but only briefly, then truncated.
PLAINTEXT_MAX_DAYS = 90


def storage_form(column: Column[object]) -> str:
    """How a personal column is stored: declared as info["form"], else read from its name."""
    declared = column.info.get("form")
    if isinstance(declared, str):
        return declared
    if column.name.endswith("_ct"):
        return "ciphertext"
    if column.name.endswith("_hmac"):
        return "keyed_hash"
    if column.name.endswith("_id"):
        return "pseudonym"
    return "undeclared"


def _protection(policy: Policy, key: str, column: Column[object]) -> Iterator[str]:
    """A personal column is stored in one of five forms, each with its own guarantee.

    - ciphertext: a LargeBinary `*_ct` column sealed under its person's key, in a table with a
      foreign key to data_subjects, so erasure destroys the key and deletes the row;
    - transient: a `*_ct` column sealed under the tenant's key while it waits to be read
      (a raw webhook payload, whose person is known only once it is parsed), cleared as soon
      as it has been processed, or by the retention sweep if it never is;
    - keyed_hash: a `*_hmac` column, matchable only with the platform's secret;
    - pseudonym: a `*_id` column holding an opaque random id of an account, which says nothing
      once the account is erased;
    - plaintext: readable, allowed only for a category the policy keeps at most
      PLAINTEXT_MAX_DAYS days from collection before deleting or anonymising it.
    """
    form = storage_form(column)
    if form == "ciphertext":
        if not (column.name.endswith("_ct") and isinstance(column.type, LargeBinary)):
            yield f"column {key} is declared ciphertext but is not a LargeBinary '*_ct' column"
        if not any(fk.column.table.name == "data_subjects" for c in column.table.columns for fk in c.foreign_keys):
            table = column.table.name
            yield f"column {key} is personal but table {table} has no foreign key to data_subjects for erasure"
    elif form == "transient":
        if not (column.name.endswith("_ct") and isinstance(column.type, LargeBinary)):
            yield f"column {key} is declared transient ciphertext but is not a LargeBinary '*_ct' column"
    elif form == "keyed_hash":
        if not (column.name.endswith("_hmac") and isinstance(column.type, String)):
            yield f"column {key} is declared a keyed hash but is not a String '*_hmac' column"
    elif form == "pseudonym":
        if not column.name.endswith("_id"):
            yield f"column {key} is declared a pseudonym but is not an '*_id' column"
    elif form == "plaintext":
        category = policy.categories_by_id.get(str(column.info.get("category")))
        retention = category.retention if category is not None else None
        short_lived = (
            retention is not None
            and retention.trigger is Trigger.COLLECTED
            and retention.duration.approx_days() <= PLAINTEXT_MAX_DAYS
        )
        if not short_lived:
            yield (
                f"column {key} is kept in plain text, which is allowed only for a category kept at most "
                f"{PLAINTEXT_MAX_DAYS} days from collection"
            )
    else:
        yield (
            f"column {key} is personal but not stored as ciphertext (a LargeBinary '*_ct' column), a keyed hash "
            "('*_hmac'), a pseudonymous id ('*_id') or short-lived plain text (info form 'plaintext')"
        )


def _columns(metadata: MetaData) -> Iterator[tuple[str, Column[object]]]:
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        for column in table.columns:
            yield f"{table.name}.{column.name}", column


def check_columns(
    policy: Policy, metadata: MetaData, *, source: str, line_of: Callable[[PathKey], int] | None = None
) -> list[Finding]:
    """Findings for personal columns the policy does not declare, and declarations with no column."""
    where = line_of or (lambda _path: 1)
    line = where(("categories",))
    listed = {column: category.id for category in policy.categories for column in category.columns}
    positions = {
        column: ("categories", i, "columns", j)
        for i, category in enumerate(policy.categories)
        for j, column in enumerate(category.columns)
    }
    present: set[str] = set()
    findings: list[Finding] = []
    for key, column in _columns(metadata):
        present.add(key)
        info = column.info
        if info.get("personal") is True:
            findings.extend(Finding(line, message, source) for message in _protection(policy, key, column))
            category = info.get("category")
            if not isinstance(category, str) or category not in policy.categories_by_id:
                findings.append(
                    Finding(line, f"column {key} names category '{category}', which the policy does not define", source)
                )
            elif key in listed and listed[key] != category:
                findings.append(
                    Finding(
                        line,
                        f"column {key} is marked category '{category}' but the policy lists it under '{listed[key]}'",
                        source,
                    )
                )
        elif info.get("personal") is False:
            continue  # declared not personal where the name misleads (a job's or an event's name)
        elif key not in listed and looks_personal(column.name):
            findings.append(
                Finding(
                    line,
                    f"column {key} looks personal but is not declared: mark it "
                    "info={'personal': True, 'category': ...} or list it under a category's columns",
                    source,
                )
            )
    for key, category_id in sorted(listed.items()):
        if key not in present:
            findings.append(
                Finding(
                    where(positions[key]), f"category '{category_id}' lists column {key}, which no model has", source
                )
            )
    return findings


def check_policy_file(path: Path) -> tuple[Policy | None, list[Finding]]:
    """Everything `omniwise policy check` checks: the schema, the lint rules, and the models' personal columns."""
    policy, findings = check_file(path)
    if policy is None:
        return None, findings
    from omniwise.models import metadata  # every model, imported only when the data map is checked

    doc = parse(path.read_text(encoding="utf-8"), str(path))
    found = sorted(check_columns(policy, metadata, source=str(path), line_of=doc.line_of))
    return (None if found else policy), found
