"""The summary: what Article 15 requires, from the policy and the disclosure records, in HTML and JSON."""

from __future__ import annotations

import json
import uuid
from typing import Any

from omniwise.privacy.contract import Holding, SubjectRole
from omniwise.runtime import Runtime
from omniwise.tenants.schemas import Region
from tests.privacy.export.support import (
    build,
    contact_section,
    entry_text,
    holdings_for,
    make_tenant,
    read_zip,
    record_disclosure,
    request_for,
    ticket_section,
)

BUSINESS = "Acme <b>Widgets</b> & Co"


def _summary(runtime: Runtime, *, region: Region = Region.EU, law: str = "gdpr") -> tuple[dict[str, Any], str]:
    tenant_id = make_tenant(runtime, name=BUSINESS, region=region)
    subject_id = uuid.uuid4()
    other_person = uuid.uuid4()
    record_disclosure(runtime, tenant_id, subject_id, "stripe", ["contact_information"], "billing")
    for _ in range(3):
        record_disclosure(runtime, tenant_id, subject_id, "email_provider", ["contact_information"], "customer_support")
    # someone else's disclosure: not theirs to read
    record_disclosure(runtime, tenant_id, other_person, "zendesk", ["customer_contact_information"], "customer_support")
    request_id = uuid.uuid4()
    build(
        runtime,
        request_for(request_id, tenant_id, law=law),
        sections=[contact_section(12), ticket_section(4)],
        holdings=holdings_for(tenant_id, subject_id, contacts=12, tickets=4),
    )
    archive = read_zip(runtime, request_id)
    return json.loads(entry_text(archive, "summary.json")), entry_text(archive, "summary.html")


def _category(summary: dict[str, Any], category_id: str) -> dict[str, Any]:
    found = [c for c in summary["categories"] if c["id"] == category_id]
    assert len(found) == 1
    return found[0]


def test_summary_states_purposes_with_legal_bases_categories_source_and_retention(runtime: Runtime) -> None:
    summary, html = _summary(runtime)
    policy = runtime.policy
    assert [c["id"] for c in summary["categories"]] == ["contact_information", "zendesk_integration_data"]
    contact = _category(summary, "contact_information")
    declared = policy.categories_by_id["contact_information"]
    assert [p["id"] for p in contact["purposes"]] == declared.purposes
    bases = {p["id"]: p["legal_basis"] for p in contact["purposes"]}
    assert bases["billing"] == "contract"
    assert bases["legal_compliance"] == "legal_obligation"
    assert bases["joint_marketing"] == "consent"
    assert any("Article 6(1)(f) GDPR" in p["legal_basis_text"] and p["interest"] for p in contact["purposes"])
    assert contact["fields"] == declared.fields
    assert contact["source"] == declared.source
    assert declared.retention is not None
    assert contact["retention"]["period"] == declared.retention.period
    assert contact["retention"]["period_text"] == "30 days"
    assert contact["retention"]["trigger"] == "account_closed"
    assert contact["holdings"] == [{"description": contact["holdings"][0]["description"], "records": 12}]
    for text in ("Article 6(1)(b) GDPR", "Article 6(1)(c) GDPR", "30 days", declared.name):
        assert text in html


def test_recipients_come_from_the_disclosure_records_of_the_person(runtime: Runtime) -> None:
    summary, html = _summary(runtime)
    contact = _category(summary, "contact_information")
    received = {(r["recipient_id"], r["purpose"]): r for r in contact["received"]}
    assert set(received) == {("stripe", "billing"), ("email_provider", "customer_support")}
    assert received["stripe", "billing"]["times"] == 1
    assert received["email_provider", "customer_support"]["times"] == 3
    assert received["stripe", "billing"]["first_at"] <= received["stripe", "billing"]["last_at"]
    # the other person's disclosure to Zendesk is not in this person's summary
    assert all(r["recipient_id"] != "zendesk" for c in summary["categories"] for r in c["received"])
    assert _category(summary, "zendesk_integration_data")["received"] == []
    # the policy's possible recipients of the category are listed beside what was actually sent
    assert {r["id"] for r in contact["recipients"]} >= {"hosting", "stripe", "email_provider"}
    assert "Stripe, Inc." in html
    assert "Our records show these disclosures" in html


def test_transfers_name_their_mechanism_and_safeguard_from_the_tenant_region(runtime: Runtime) -> None:
    summary, html = _summary(runtime, region=Region.EU)
    contact = _category(summary, "contact_information")
    routes = {(t["region"], t["recipient_id"]): t for t in contact["transfers"]}
    assert routes["eu", "stripe"]["route"] == "scc"
    assert routes["eu", "stripe"]["mechanism_id"] == "eu_us_scc"
    assert "2021/914" in routes["eu", "stripe"]["safeguard"]
    assert routes["eu", "hosting"]["route"] == "in_region"
    assert all(t["region"] == "eu" for t in contact["transfers"])
    stripe = next(r for r in contact["received"] if r["recipient_id"] == "stripe")
    assert [t["mechanism_id"] for t in stripe["transfers"]] == ["eu_us_scc"]
    assert "Standard Contractual Clauses" in html


def test_a_turkish_business_gets_the_kvkk_contract_and_authority(runtime: Runtime) -> None:
    summary, html = _summary(runtime, region=Region.TR, law="kvkk")
    contact = _category(summary, "contact_information")
    routes = {t["recipient_id"]: t for t in contact["transfers"]}
    assert routes["stripe"]["route"] == "kvkk_standard_contract"
    assert summary["complaint"]["authorities"] == [runtime.policy.laws_by_id["kvkk"].authority]
    assert "KVKK" in contact["purposes"][0]["legal_basis_text"]
    assert "Personal Data Protection Board" in html


def test_the_right_to_complain_and_the_other_rights_are_stated(runtime: Runtime) -> None:
    summary, html = _summary(runtime)
    gdpr = runtime.policy.laws_by_id["gdpr"]
    assert summary["complaint"]["authorities"] == [gdpr.authority]
    assert summary["complaint"]["description"]
    rights = {r["id"] for r in summary["rights"]}
    assert {"access", "rectification", "erasure", "restriction", "objection", "complaint"} <= rights
    assert "opt_out_sale_sharing" not in rights  # a CCPA right, not GDPR's
    assert gdpr.authority in html
    assert "Complaining to an authority" in html


def test_the_processor_role_names_the_business_as_controller_escaped(runtime: Runtime) -> None:
    summary, html = _summary(runtime)
    zendesk = _category(summary, "zendesk_integration_data")
    assert zendesk["role"] == "processor"
    assert [b["name"] for b in zendesk["controllers"]] == [BUSINESS]
    assert _category(summary, "contact_information")["controllers"] == []
    assert "Acme &lt;b&gt;Widgets&lt;/b&gt; &amp; Co" in html
    assert "<b>Widgets</b>" not in html


def test_table_of_contents_lists_every_file_with_its_record_count(runtime: Runtime) -> None:
    summary, html = _summary(runtime)
    files = {f["name"]: f["records"] for f in summary["files"]}
    assert files["contacts.json"] == 12
    assert files["contacts.csv"] == 12
    assert files["zendesk_tickets.json"] == 4
    assert files["contacts.schema.json"] is None
    assert {"summary.html", "summary.json", "README.txt"} <= set(files)
    assert "zendesk_tickets.json" in html


def test_the_page_is_self_contained(runtime: Runtime) -> None:
    _, html = _summary(runtime)
    for external in ("<script", "<link", "src=", "http://", "@import", "url("):
        assert external not in html
    # the only absolute address is none at all; the privacy center is named by its path
    assert "https://" not in html


def test_a_holding_without_sections_still_appears_in_the_summary(runtime: Runtime) -> None:
    tenant_id = make_tenant(runtime)
    holding = Holding(
        contribution="usage",
        category="usage_information",
        role=SubjectRole.CONTROLLER,
        tenant_id=tenant_id,
        subject_id=uuid.uuid4(),
        key="k",
        records=3,
        description=f"usage of tenant {tenant_id}",
    )
    request_id = uuid.uuid4()
    build(runtime, request_for(request_id, tenant_id), sections=[], holdings=[holding])
    summary = json.loads(entry_text(read_zip(runtime, request_id), "summary.json"))
    assert [c["id"] for c in summary["categories"]] == ["usage_information"]
    assert summary["categories"][0]["files"] == []
