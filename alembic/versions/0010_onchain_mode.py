"""On-chain mode: the tokenized assets and the journal of what indexing their tokens' events changed

Revision ID: 0010_onchain_mode
Revises: 0009_tokenization
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_onchain_mode"
down_revision = "0009_tokenization"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "onchain_asset",
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.LargeBinary(20), nullable=False),
        sa.Column("identity_registry", sa.LargeBinary(20), nullable=False),
        sa.Column("compliance", sa.LargeBinary(20), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["rwa_asset.id"], name=op.f("fk_onchain_asset_asset_id_rwa_asset")
        ),
        sa.PrimaryKeyConstraint("asset_id", name=op.f("pk_onchain_asset")),
        sa.UniqueConstraint("token", name=op.f("uq_onchain_asset_token")),
    )
    op.create_index(op.f("ix_onchain_asset_block_number"), "onchain_asset", ["block_number"])
    op.create_table(
        "onchain_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("tx_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("wallet_id", sa.Integer(), nullable=True),
        sa.Column("movement_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["rwa_asset.id"], name=op.f("fk_onchain_change_asset_id_rwa_asset")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onchain_change")),
    )
    op.create_index(op.f("ix_onchain_change_block_number"), "onchain_change", ["block_number"])
    op.create_index(op.f("ix_onchain_change_tx_hash"), "onchain_change", ["tx_hash"])


def downgrade() -> None:
    op.drop_table("onchain_change")
    op.drop_table("onchain_asset")
