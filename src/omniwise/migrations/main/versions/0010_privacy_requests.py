"""privacy requests: requests, their steps and one-time tokens; platform messages in the outbox; the sidebar link

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 03:58:12.642072
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("law", sa.String(length=8), nullable=False),
        sa.Column("email_ct", sa.LargeBinary(), nullable=True),
        sa.Column("email_hmac", sa.String(length=64), nullable=False),
        sa.Column("submitted_by", sa.String(length=120), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledge_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verification", sa.String(length=200), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("extended_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extension_notice_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extension_reason", sa.String(length=500), nullable=True),
        sa.Column("needs_approval", sa.Boolean(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("instruction", sa.String(length=24), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.Column("refusal_reason", sa.String(length=500), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("merged_into_id", sa.Uuid(), nullable=True),
        sa.Column("holdings", sa.JSON(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("corrections_ct", sa.LargeBinary(), nullable=True),
        sa.Column("status_token_hash", sa.String(length=64), nullable=True),
        sa.Column("zendesk_connection_id", sa.Uuid(), nullable=True),
        sa.Column("zendesk_user_id", sa.BigInteger(), nullable=True),
        sa.Column("last_raised_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("law IN ('gdpr', 'ccpa', 'kvkk')", name=op.f("ck_privacy_requests_law")),
        sa.CheckConstraint(
            "status IN ('received', 'verifying', 'awaiting_approval', 'in_progress', 'completed', 'refused')",
            name=op.f("ck_privacy_requests_status"),
        ),
        sa.CheckConstraint(
            "type IN ('access', 'portability', 'correction', 'deletion', 'opt_out')",
            name=op.f("ck_privacy_requests_type"),
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["privacy_requests.id"],
            name=op.f("fk_privacy_requests_merged_into_id_privacy_requests"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_privacy_requests_tenant_id_tenants"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_requests")),
        sa.UniqueConstraint("reference", name=op.f("uq_privacy_requests_reference")),
        sa.UniqueConstraint("status_token_hash", name=op.f("uq_privacy_requests_status_token_hash")),
    )
    with op.batch_alter_table("privacy_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_privacy_requests_closed_at"), ["closed_at"], unique=False)
        batch_op.create_index("ix_privacy_requests_email_hmac_type", ["email_hmac", "type"], unique=False)
        batch_op.create_index("ix_privacy_requests_status_due_at", ["status", "due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_privacy_requests_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "privacy_request_steps",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=24), nullable=False),
        sa.Column("contribution", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'done', 'failed', 'skipped')",
            name=op.f("ck_privacy_request_steps_status"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["privacy_requests.id"],
            name=op.f("fk_privacy_request_steps_request_id_privacy_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_request_steps")),
        sa.UniqueConstraint("request_id", "position", name=op.f("uq_privacy_request_steps_request_id_position")),
    )
    with op.batch_alter_table("privacy_request_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_privacy_request_steps_request_id"), ["request_id"], unique=False)

    op.create_table(
        "privacy_request_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=8), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("purpose IN ('verify', 'export')", name=op.f("ck_privacy_request_tokens_purpose")),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["privacy_requests.id"],
            name=op.f("fk_privacy_request_tokens_request_id_privacy_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_request_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_privacy_request_tokens_token_hash")),
    )
    with op.batch_alter_table("privacy_request_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_privacy_request_tokens_request_id"), ["request_id"], unique=False)

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.alter_column("tenant_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.alter_column("subject_id", existing_type=sa.Uuid(), nullable=True)

    with op.batch_alter_table("zendesk_app_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("privacy_request_id", sa.Uuid(), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("zendesk_app_requests", schema=None) as batch_op:
        batch_op.drop_column("privacy_request_id")

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.alter_column("subject_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.alter_column("tenant_id", existing_type=sa.Uuid(), nullable=False)

    with op.batch_alter_table("privacy_request_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_request_tokens_request_id"))

    op.drop_table("privacy_request_tokens")
    with op.batch_alter_table("privacy_request_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_request_steps_request_id"))

    op.drop_table("privacy_request_steps")
    with op.batch_alter_table("privacy_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_requests_tenant_id"))
        batch_op.drop_index("ix_privacy_requests_status_due_at")
        batch_op.drop_index("ix_privacy_requests_email_hmac_type")
        batch_op.drop_index(batch_op.f("ix_privacy_requests_closed_at"))

    op.drop_table("privacy_requests")
