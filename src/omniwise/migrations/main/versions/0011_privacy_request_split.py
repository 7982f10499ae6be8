"""privacy requests passed on to each business whose customer the person is

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 10:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("privacy_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("split_from_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_privacy_requests_split_from_id"), ["split_from_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_privacy_requests_split_from_id_privacy_requests"),
            "privacy_requests",
            ["split_from_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("privacy_requests", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_privacy_requests_split_from_id_privacy_requests"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_privacy_requests_split_from_id"))
        batch_op.drop_column("split_from_id")
