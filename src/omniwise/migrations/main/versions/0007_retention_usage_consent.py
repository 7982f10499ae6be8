"""retention runs and legal holds, usage events and daily rollups, device sightings, consent records, tenants.closed_at

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 23:42:55.765054
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consent_records",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("consent_id", sa.Uuid(), nullable=True),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("gpc", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("notice_sha256", sa.String(length=64), nullable=False),
        sa.Column("notice_version", sa.Integer(), nullable=True),
        sa.Column("cookies_sha256", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=True),
        sa.Column("ip_hmac", sa.String(length=64), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_records")),
    )
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.create_index("ix_consent_records_consent_id_recorded_at", ["consent_id", "recorded_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_consent_records_recorded_at"), ["recorded_at"], unique=False)

    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("started_by", sa.String(length=16), nullable=False),
        sa.Column("actor_type", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("policy_sha256", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.CheckConstraint("status IN ('running', 'completed', 'failed')", name=op.f("ck_retention_runs_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_runs")),
    )
    with op.batch_alter_table("retention_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retention_runs_started_at"), ["started_at"], unique=False)

    op.create_table(
        "device_sightings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.Column("ip_network", sa.String(length=49), nullable=False),
        sa.Column("user_agent", sa.String(length=512), nullable=True),
        sa.Column("browser_family", sa.String(length=64), nullable=False),
        sa.Column("os_family", sa.String(length=64), nullable=False),
        sa.Column("device_family", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_device_sightings_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device_sightings")),
        sa.UniqueConstraint(
            "day",
            "actor_id",
            "ip_address",
            "user_agent",
            name=op.f("uq_device_sightings_day_actor_id_ip_address_user_agent"),
        ),
    )
    with op.batch_alter_table("device_sightings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_device_sightings_last_seen_at"), ["last_seen_at"], unique=False)
        batch_op.create_index("ix_device_sightings_tenant_id_day", ["tenant_id", "day"], unique=False)

    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by_type", sa.String(length=32), nullable=False),
        sa.Column("set_by_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by_type", sa.String(length=32), nullable=True),
        sa.Column("released_by_id", sa.String(length=64), nullable=True),
        sa.CheckConstraint("scope IN ('tenant', 'subject', 'category')", name=op.f("ck_legal_holds_scope")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_legal_holds_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.create_index("ix_legal_holds_released_at_ends_at", ["released_at", "ends_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_legal_holds_subject_id"), ["subject_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_legal_holds_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "retention_run_categories",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("exception", sa.String(length=64), nullable=True),
        sa.Column("sweeper", sa.String(length=64), nullable=True),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("cutoff", sa.DateTime(timezone=True), nullable=True),
        sa.Column("candidates", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("deleted", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("anonymised", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("skipped_by_hold", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("errors", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["retention_runs.id"],
            name=op.f("fk_retention_run_categories_run_id_retention_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_run_categories")),
    )
    with op.batch_alter_table("retention_run_categories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retention_run_categories_run_id"), ["run_id"], unique=False)

    op.create_table(
        "usage_daily",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("feature", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("rolled_up_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_usage_daily_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("tenant_id", "day", "feature", name=op.f("pk_usage_daily")),
    )
    op.create_table(
        "usage_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("actor_type", sa.String(length=32), nullable=True),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("feature", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_usage_events_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_events")),
    )
    with op.batch_alter_table("usage_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_usage_events_occurred_at"), ["occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_usage_events_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "retention_run_holds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_category_id", sa.Uuid(), nullable=False),
        sa.Column("hold_id", sa.Uuid(), nullable=False),
        sa.Column("rows", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["hold_id"], ["legal_holds.id"], name=op.f("fk_retention_run_holds_hold_id_legal_holds"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["run_category_id"],
            ["retention_run_categories.id"],
            name=op.f("fk_retention_run_holds_run_category_id_retention_run_categories"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_run_holds")),
    )
    with op.batch_alter_table("retention_run_holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retention_run_holds_hold_id"), ["hold_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_retention_run_holds_run_category_id"), ["run_category_id"], unique=False)

    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_tenants_closed_at"), ["closed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tenants_closed_at"))
        batch_op.drop_column("closed_at")

    with op.batch_alter_table("retention_run_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retention_run_holds_run_category_id"))
        batch_op.drop_index(batch_op.f("ix_retention_run_holds_hold_id"))

    op.drop_table("retention_run_holds")
    with op.batch_alter_table("usage_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_usage_events_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_usage_events_occurred_at"))

    op.drop_table("usage_events")
    op.drop_table("usage_daily")
    with op.batch_alter_table("retention_run_categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retention_run_categories_run_id"))

    op.drop_table("retention_run_categories")
    with op.batch_alter_table("legal_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_holds_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_legal_holds_subject_id"))
        batch_op.drop_index("ix_legal_holds_released_at_ends_at")

    op.drop_table("legal_holds")
    with op.batch_alter_table("device_sightings", schema=None) as batch_op:
        batch_op.drop_index("ix_device_sightings_tenant_id_day")
        batch_op.drop_index(batch_op.f("ix_device_sightings_last_seen_at"))

    op.drop_table("device_sightings")
    with op.batch_alter_table("retention_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retention_runs_started_at"))

    op.drop_table("retention_runs")
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_records_recorded_at"))
        batch_op.drop_index("ix_consent_records_consent_id_recorded_at")

    op.drop_table("consent_records")
