"""The disclosure gate: recipient, categories, purpose, transfer and opt-in checked; every disclosure recorded."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from omniwise.audit.models import AuditEvent
from omniwise.auth.actor import SYSTEM, Actor
from omniwise.auth.roles import Role
from omniwise.disclosures.models import Disclosure
from omniwise.disclosures.service import DisclosureRefused, disclose, opt_in, withdraw_opt_in
from omniwise.policy import taxonomy
from omniwise.policy.model import Policy
from omniwise.runtime import Runtime
from omniwise.tenants.models import Tenant
from tests.factories import api_token, create_tenant
from tests.policy.helpers import shipped_policy

SHIPPED = shipped_policy()
PROMOTION = "promotional_communications"


def _tenant(runtime: Runtime, client: TestClient, region: str = "eu") -> uuid.UUID:
    return create_tenant(client, api_token(runtime, Role.VENDOR_ADMIN), name=f"Tenant {region}", region=region)


def _disclose(runtime: Runtime, tenant_id: uuid.UUID, policy: Policy = SHIPPED, **kwargs: Any) -> Disclosure:
    with runtime.transaction() as session:
        tenant = session.get(Tenant, tenant_id)
        assert tenant is not None
        return disclose(session, policy, tenant=tenant, actor=SYSTEM, **kwargs)


def _events(runtime: Runtime, name: str) -> list[AuditEvent]:
    with runtime.transaction() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.name == name).order_by(AuditEvent.seq)))


def _disclosures(runtime: Runtime) -> list[Disclosure]:
    with runtime.transaction() as session:
        return list(session.scalars(select(Disclosure)))


def _modified(change: dict[str, Any]) -> Policy:
    """A policy changed past what `policy check` would let through: the gate must hold on its own."""
    data = SHIPPED.model_dump(mode="json", by_alias=True)
    for key, value in change.items():
        data[key] = value(data[key]) if callable(value) else value
    return Policy.model_validate(data)


@pytest.mark.parametrize(
    ("region", "mechanism", "transfer_id"),
    [("eu", "scc", "eu_us_scc"), ("tr", "kvkk_standard_contract", "tr_us_kvkk"), ("us", "none_required", None)],
)
def test_a_disclosure_is_recorded_with_its_safeguard(
    client: TestClient, runtime: Runtime, region: str, mechanism: str, transfer_id: str | None
) -> None:
    tenant_id = _tenant(runtime, client, region)
    subject_id = uuid.uuid4()
    row = _disclose(
        runtime,
        tenant_id,
        recipient_id="stripe",
        categories=["contact_information", "billing_details"],
        purpose="billing",
        subject_id=subject_id,
        reference="cus_Q1",
    )
    [stored] = _disclosures(runtime)
    assert stored.id == row.id
    assert (stored.recipient_id, stored.categories, stored.purpose, stored.legal_basis) == (
        "stripe",
        ["billing_details", "contact_information"],
        "billing",
        "contract",
    )
    assert (stored.region, stored.transfer_mechanism, stored.transfer_id) == (region, mechanism, transfer_id)
    assert (stored.subject_id, stored.reference, stored.policy_sha256) == (subject_id, "cus_Q1", SHIPPED.sha256)
    [event] = _events(runtime, "disclosures:disclosure:recorded")
    assert event.object_id == str(row.id)
    assert event.details == {
        "recipient": "stripe",
        "categories": ["billing_details", "contact_information"],
        "transfer": mechanism,
    }


@pytest.mark.parametrize(
    ("recipient", "categories", "purpose", "reason"),
    [
        ("acme_ads", ["contact_information"], "service_provision", "undeclared_recipient"),
        ("stripe", ["usage_information"], "billing", "category_not_allowed"),
        ("stripe", ["billing_details"], "analytics", "purpose_not_allowed"),
        ("stripe", ["billing_details"], "profiling", "undeclared_purpose"),
        ("email_provider", ["customer_contact_information"], PROMOTION, "category_purpose_not_allowed"),
    ],
)  # fmt: skip
def test_an_undeclared_disclosure_is_refused_and_the_refusal_kept(
    client: TestClient, runtime: Runtime, recipient: str, categories: list[str], purpose: str, reason: str
) -> None:
    tenant_id = _tenant(runtime, client)
    with pytest.raises(DisclosureRefused) as refused:
        _disclose(runtime, tenant_id, recipient_id=recipient, categories=categories, purpose=purpose)
    assert refused.value.status_code == 403
    assert refused.value.extra == {"recipient": recipient, "reason": reason}
    assert _disclosures(runtime) == []
    [event] = _events(runtime, "disclosures:disclosure:refused")
    assert (event.tenant_id, event.object_id, event.purpose) == (tenant_id, recipient, purpose)
    assert event.details["reason"] == reason


def test_a_transfer_without_a_mechanism_is_blocked(client: TestClient, runtime: Runtime) -> None:
    no_kvkk = _modified(
        {"transfers": lambda t: t | {"mechanisms": [m for m in t["mechanisms"] if m["id"] != "tr_us_kvkk"]}}
    )
    turkish, european = _tenant(runtime, client, "tr"), _tenant(runtime, client, "eu")
    args: dict[str, Any] = {"recipient_id": "stripe", "categories": ["billing_details"], "purpose": "billing"}
    with pytest.raises(DisclosureRefused) as refused:
        _disclose(runtime, turkish, no_kvkk, **args)
    assert refused.value.extra["reason"] == "no_transfer_mechanism"
    assert refused.value.detail == "no transfer mechanism covers data of region 'tr' going to 'stripe'"
    assert _disclose(runtime, european, no_kvkk, **args).transfer_mechanism == "scc"


def test_sharing_with_a_partner_needs_the_tenants_opt_in(client: TestClient, runtime: Runtime) -> None:
    tenant_id = _tenant(runtime, client)
    args: dict[str, Any] = {
        "recipient_id": "zendesk_marketplace",
        "categories": ["business_details", "contact_information"],
        "purpose": "joint_marketing",
    }
    with pytest.raises(DisclosureRefused) as refused:
        _disclose(runtime, tenant_id, **args)
    assert refused.value.extra["reason"] == "no_opt_in"

    admin = Actor(kind="api_key", id="tenant-admin-key", role=Role.TENANT_ADMIN, tenant_id=tenant_id)
    with runtime.transaction() as session:
        tenant = session.get(Tenant, tenant_id)
        assert tenant is not None
        opt_in(session, SHIPPED, tenant=tenant, recipient_id="zendesk_marketplace", actor=admin)
    shared = _disclose(runtime, tenant_id, **args)
    assert (shared.legal_basis, shared.transfer_mechanism) == ("consent", "scc")

    with runtime.transaction() as session:
        tenant = session.get(Tenant, tenant_id)
        assert tenant is not None
        assert withdraw_opt_in(session, tenant=tenant, recipient_id="zendesk_marketplace", actor=admin)
    with pytest.raises(DisclosureRefused):
        _disclose(runtime, tenant_id, **args)
    assert len(_disclosures(runtime)) == 1
    reasons = [e.details["reason"] for e in _events(runtime, "disclosures:disclosure:refused")]
    assert reasons == ["no_opt_in", "no_opt_in"]


def test_a_sale_is_impossible(client: TestClient, runtime: Runtime) -> None:
    # the shipped policy has no sale purpose (and `policy check` refuses one: see tests/policy/test_check.py)
    assert not [p.id for p in SHIPPED.purposes if taxonomy.is_sale(p.data_use)]
    # a policy that slipped one past the check still cannot sell through the gate
    selling = _modified(
        {
            "purposes": lambda purposes: [
                p | {"data_use": "sales"} if p["id"] == "joint_marketing" else p for p in purposes
            ]
        }
    )
    tenant_id = _tenant(runtime, client)
    with runtime.transaction() as session:
        tenant = session.get(Tenant, tenant_id)
        assert tenant is not None
        admin = Actor(kind="api_key", id="k", role=Role.TENANT_ADMIN, tenant_id=tenant_id)
        opt_in(session, selling, tenant=tenant, recipient_id="zendesk_marketplace", actor=admin)
    with pytest.raises(DisclosureRefused) as refused:
        _disclose(
            runtime,
            tenant_id,
            selling,
            recipient_id="zendesk_marketplace",
            categories=["contact_information"],
            purpose="joint_marketing",
        )
    assert refused.value.extra["reason"] == "sale"
    assert _disclosures(runtime) == []
