"""zendesk disconnection and the end of a billing subscription

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 00:58:53.011722
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# an account whose subscriptions have all ended starts its billing details' retention clock
# at the latest end (the same rule `billing.service.mirror` keeps from now on)
BACKFILL = """
UPDATE billing_accounts SET subscription_ended_at = (
    SELECT max(coalesce(s.ended_at, s.canceled_at)) FROM billing_subscriptions s
    WHERE s.tenant_id = billing_accounts.tenant_id
)
WHERE EXISTS (SELECT 1 FROM billing_subscriptions s WHERE s.tenant_id = billing_accounts.tenant_id)
AND NOT EXISTS (
    SELECT 1 FROM billing_subscriptions s
    WHERE s.tenant_id = billing_accounts.tenant_id AND s.status NOT IN ('canceled', 'incomplete_expired')
)
"""


def upgrade() -> None:
    with op.batch_alter_table("billing_accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subscription_ended_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_billing_accounts_subscription_ended_at"), ["subscription_ended_at"], unique=False
        )

    with op.batch_alter_table("zendesk_connections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("disconnected_at", sa.DateTime(timezone=True), nullable=True))

    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("zendesk_connections", schema=None) as batch_op:
        batch_op.drop_column("disconnected_at")

    with op.batch_alter_table("billing_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_billing_accounts_subscription_ended_at"))
        batch_op.drop_column("subscription_ended_at")
