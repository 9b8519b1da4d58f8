"""Oracles and valuation: feeds, pricing rules, append-only valuations

Money is exact decimal text on both dialects (app/rwa/coltypes.py `DecimalText`); raw answers and
round ids are NUMERIC(78,0) on PostgreSQL and zero-padded text on SQLite, as every units column.

Revision ID: 0007_oracle_valuation
Revises: 0006_audit_checkpoints
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_oracle_valuation"
down_revision = "0006_audit_checkpoints"
branch_labels = None
depends_on = None

UNITS = sa.Numeric(78, 0).with_variant(sa.String(78), "sqlite")
TS = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "val_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pair", sa.String(40), nullable=False),
        sa.Column("network", sa.String(200), nullable=False),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("heartbeat_s", sa.Integer(), nullable=False),
        sa.Column("grace_s", sa.Integer(), nullable=False),
        sa.Column("min_answer", sa.Text(), nullable=True),
        sa.Column("max_answer", sa.Text(), nullable=True),
        sa.Column("max_jump", sa.Text(), nullable=True),
        sa.Column("market_hours", sa.String(16), nullable=False),
        sa.Column("sequencer_address", sa.String(42), nullable=True),
        sa.Column("sequencer_grace_s", sa.Integer(), nullable=False),
        sa.Column("fallback_pair", sa.String(40), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_val_feed")),
        sa.UniqueConstraint("pair", name=op.f("uq_val_feed_pair")),
    )
    op.create_table(
        "val_pricing_rule",
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("feed_pair", sa.String(40), nullable=True),
        sa.Column("base_units", UNITS, nullable=False),
        sa.Column("appraisal_amount", sa.Text(), nullable=True),
        sa.Column("appraisal_currency", sa.String(3), nullable=True),
        sa.Column("appraised_at", TS, nullable=True),
        sa.Column("currencies", sa.JSON(), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("asset_id", name=op.f("pk_val_pricing_rule")),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["rwa_asset.id"], name=op.f("fk_val_pricing_rule_asset_id_rwa_asset")
        ),
    )
    op.create_table(
        "val_valuation",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_time", TS, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("feed_pair", sa.String(40), nullable=True),
        sa.Column("feed_address", sa.String(42), nullable=True),
        sa.Column("answer", UNITS, nullable=True),
        sa.Column("decimals", sa.Integer(), nullable=True),
        sa.Column("round_id", UNITS, nullable=True),
        sa.Column("answer_updated_at", TS, nullable=True),
        sa.Column("fx", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("failed", sa.JSON(), nullable=False),
        sa.Column("unit_value", sa.Text(), nullable=False),
        sa.Column("issued_units", UNITS, nullable=False),
        sa.Column("total_value", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_val_valuation")),
        sa.ForeignKeyConstraint(
            ["asset_id"], ["rwa_asset.id"], name=op.f("fk_val_valuation_asset_id_rwa_asset")
        ),
    )
    op.create_index(
        "ix_val_valuation_asset_currency_block", "val_valuation", ["asset_id", "currency", "block_number"]
    )
    op.create_index(
        "ix_val_valuation_asset_currency_time", "val_valuation", ["asset_id", "currency", "block_time"]
    )


def downgrade() -> None:
    op.drop_index("ix_val_valuation_asset_currency_time", table_name="val_valuation")
    op.drop_index("ix_val_valuation_asset_currency_block", table_name="val_valuation")
    op.drop_table("val_valuation")
    op.drop_table("val_pricing_rule")
    op.drop_table("val_feed")
