"""Oracles and valuation: feeds, pricing rules, append-only valuations

Revision ID: 0007_oracle_valuation
Revises: 0006_audit_checkpoints
Create Date: 2026-12-01
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0007_oracle_valuation"
down_revision = "0006_audit_checkpoints"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
