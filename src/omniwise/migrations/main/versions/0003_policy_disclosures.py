"""policy versions, notice acceptances, disclosures, sharing opt-ins

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 22:59:47.585402
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by_type", sa.String(length=32), nullable=False),
        sa.Column("published_by_id", sa.String(length=64), nullable=True),
        sa.Column("significant", sa.Boolean(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("notified", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_policy_versions")),
    )
    with op.batch_alter_table("policy_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_versions_sha256"), ["sha256"], unique=False)

    op.create_table(
        "disclosures",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("recipient_id", sa.String(length=64), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("legal_basis", sa.String(length=32), nullable=False),
        sa.Column("region", sa.String(length=8), nullable=False),
        sa.Column("transfer_mechanism", sa.String(length=32), nullable=False),
        sa.Column("transfer_id", sa.String(length=64), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("actor_type", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("policy_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_disclosures_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosures")),
    )
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disclosures_recipient_id"), ["recipient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disclosures_subject_id"), ["subject_id"], unique=False)
        batch_op.create_index("ix_disclosures_tenant_id_created_at", ["tenant_id", "created_at"], unique=False)

    op.create_table(
        "sharing_opt_ins",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("recipient_id", sa.String(length=64), nullable=False),
        sa.Column("opted_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opted_in_by_type", sa.String(length=32), nullable=False),
        sa.Column("opted_in_by_id", sa.String(length=64), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_type", sa.String(length=32), nullable=True),
        sa.Column("withdrawn_by_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_sharing_opt_ins_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sharing_opt_ins")),
    )
    with op.batch_alter_table("sharing_opt_ins", schema=None) as batch_op:
        batch_op.create_index("ix_sharing_opt_ins_tenant_id_recipient_id", ["tenant_id", "recipient_id"], unique=False)

    op.create_table(
        "notice_acceptances",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("actor_type", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["data_subjects.id"],
            name=op.f("fk_notice_acceptances_subject_id_data_subjects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_notice_acceptances_tenant_id_tenants"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["version"], ["policy_versions.version"], name=op.f("fk_notice_acceptances_version_policy_versions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_acceptances")),
    )
    with op.batch_alter_table("notice_acceptances", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_acceptances_subject_id"), ["subject_id"], unique=False)
        batch_op.create_index("ix_notice_acceptances_tenant_id_version", ["tenant_id", "version"], unique=False)
        batch_op.create_index(batch_op.f("ix_notice_acceptances_version"), ["version"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notice_acceptances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_acceptances_version"))
        batch_op.drop_index("ix_notice_acceptances_tenant_id_version")
        batch_op.drop_index(batch_op.f("ix_notice_acceptances_subject_id"))

    op.drop_table("notice_acceptances")
    with op.batch_alter_table("sharing_opt_ins", schema=None) as batch_op:
        batch_op.drop_index("ix_sharing_opt_ins_tenant_id_recipient_id")

    op.drop_table("sharing_opt_ins")
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        batch_op.drop_index("ix_disclosures_tenant_id_created_at")
        batch_op.drop_index(batch_op.f("ix_disclosures_subject_id"))
        batch_op.drop_index(batch_op.f("ix_disclosures_recipient_id"))

    op.drop_table("disclosures")
    with op.batch_alter_table("policy_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_versions_sha256"))

    op.drop_table("policy_versions")
