"""Audit checkpoints: consistency with the previous checkpoint

Each checkpoint records the tree size of the checkpoint before it and the RFC 6962 consistency proof from
that one to itself (concatenated 32-byte hashes). Nullable columns added in place (no table rebuild on
SQLite, which would drop the append-only triggers of migration 0002); older checkpoints keep NULL.

Revision ID: 0006_audit_checkpoints
Revises: 0005_access_scoping
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_audit_checkpoints"
down_revision = "0005_access_scoping"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_checkpoint", sa.Column("prev_tree_size", sa.BigInteger(), nullable=True))
    op.add_column("audit_checkpoint", sa.Column("consistency", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    # SQLite >= 3.35 drops a column in place; the append-only triggers stay
    op.drop_column("audit_checkpoint", "consistency")
    op.drop_column("audit_checkpoint", "prev_tree_size")
