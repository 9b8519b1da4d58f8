"""Chain integrity: every uint256 column stored exactly on both dialects, the genesis the database was created with

Revision ID: 0004_exact_uint256
Revises: 0003_rwa_registry
Create Date: 2026-12-01
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0004_exact_uint256"
down_revision = "0003_rwa_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
