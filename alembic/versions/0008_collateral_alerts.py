"""Collateral positions, alerts and the webhook outbox

Revision ID: 0008_collateral_alerts
Revises: 0007_oracle_valuation
Create Date: 2026-12-01
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0008_collateral_alerts"
down_revision = "0007_oracle_valuation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
