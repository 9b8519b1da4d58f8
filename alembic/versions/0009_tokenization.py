"""Tokenization: the T-REX platform's contracts by role, and each registry identity's ONCHAINID

Revision ID: 0009_tokenization
Revises: 0008_collateral_alerts
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_tokenization"
down_revision = "0008_collateral_alerts"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tokenization_contract",
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("address", sa.LargeBinary(20), nullable=False),
        sa.Column("tx_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("role", name=op.f("pk_tokenization_contract")),
        sa.UniqueConstraint("address", name=op.f("uq_tokenization_contract_address")),
    )
    op.create_table(
        "tokenization_identity",
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.LargeBinary(20), nullable=False),
        sa.Column("tx_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["rwa_identity.id"],
            name=op.f("fk_tokenization_identity_identity_id_rwa_identity"),
        ),
        sa.PrimaryKeyConstraint("identity_id", name=op.f("pk_tokenization_identity")),
        sa.UniqueConstraint("address", name=op.f("uq_tokenization_identity_address")),
    )


def downgrade() -> None:
    op.drop_table("tokenization_identity")
    op.drop_table("tokenization_contract")
