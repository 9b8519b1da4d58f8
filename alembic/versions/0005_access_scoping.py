"""Access scoping: who onboarded an identity, which API key deployed a contract

Revision ID: 0005_access_scoping
Revises: 0004_exact_uint256
Create Date: 2026-12-01
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0005_access_scoping"
down_revision = "0004_exact_uint256"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
