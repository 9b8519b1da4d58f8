"""Audit checkpoints: consistency with the previous checkpoint

Revision ID: 0006_audit_checkpoints
Revises: 0005_access_scoping
Create Date: 2026-12-01
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0006_audit_checkpoints"
down_revision = "0005_access_scoping"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
