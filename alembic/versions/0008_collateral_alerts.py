"""Collateral positions, alerts and the webhook outbox

Money and ratios are exact decimal text on both dialects (valuation's `DecimalText`); pledged units are
NUMERIC(78,0) on PostgreSQL and zero-padded text on SQLite, as every units column. The outbox is indexed by
(status, next_attempt_at): the delivery worker's one query.

Revision ID: 0008_collateral_alerts
Revises: 0007_oracle_valuation
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_collateral_alerts"
down_revision = "0007_oracle_valuation"
branch_labels = None
depends_on = None

UNITS = sa.Numeric(78, 0).with_variant(sa.String(78), "sqlite")
TS = sa.DateTime(timezone=True)


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))


def _fk(table: str, col: str, ref: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([col], [f"{ref}.id"], name=op.f(f"fk_{table}_{col}_{ref}"))


def upgrade() -> None:
    op.create_table(
        "rwa_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("asset", sa.String(16), nullable=True),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _pk("rwa_alert"),
        sa.UniqueConstraint("uid", name=op.f("uq_rwa_alert_uid")),
    )
    op.create_index(op.f("ix_rwa_alert_asset"), "rwa_alert", ["asset"])
    op.create_table(
        "rwa_webhook",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _pk("rwa_webhook"),
    )
    op.create_table(
        "rwa_webhook_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        _pk("rwa_webhook_outbox"),
        _fk("rwa_webhook_outbox", "alert_id", "rwa_alert"),
        _fk("rwa_webhook_outbox", "webhook_id", "rwa_webhook"),
    )
    op.create_index(op.f("ix_rwa_webhook_outbox_alert_id"), "rwa_webhook_outbox", ["alert_id"])
    op.create_index("ix_rwa_webhook_outbox_due", "rwa_webhook_outbox", ["status", "next_attempt_at"])
    op.create_table(
        "rwa_collateral_position",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(100), nullable=True),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("wallet_id", sa.Integer(), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("units", UNITS, nullable=False),
        sa.Column("debt", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("warning_ratio", sa.Text(), nullable=False),
        sa.Column("liquidation_ratio", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("ratio", sa.Text(), nullable=True),
        sa.Column("collateral_value", sa.Text(), nullable=True),
        sa.Column("stale", sa.Boolean(), nullable=True),
        sa.Column("valued_block", sa.BigInteger(), nullable=True),
        sa.Column("valuation_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("closed_at", TS, nullable=True),
        _pk("rwa_collateral_position"),
        _fk("rwa_collateral_position", "asset_id", "rwa_asset"),
        _fk("rwa_collateral_position", "wallet_id", "rwa_wallet"),
        _fk("rwa_collateral_position", "identity_id", "rwa_identity"),
    )
    op.create_index(
        op.f("ix_rwa_collateral_position_identity_id"), "rwa_collateral_position", ["identity_id"]
    )
    op.create_index(
        "ix_rwa_collateral_position_asset_status", "rwa_collateral_position", ["asset_id", "status"]
    )


def downgrade() -> None:
    op.drop_table("rwa_collateral_position")
    op.drop_table("rwa_webhook_outbox")
    op.drop_table("rwa_webhook")
    op.drop_table("rwa_alert")
