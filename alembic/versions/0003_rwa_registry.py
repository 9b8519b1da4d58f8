"""RWA registry: issuers, assets, rules, identities, wallets, holdings, movements, documents, API keys

Units columns are NUMERIC(78,0) on PostgreSQL and zero-padded text on SQLite (see app/rwa/coltypes.py).
PostgreSQL also gets CHECK constraints that keep balances and frozen amounts non-negative and consistent.

Revision ID: 0003_rwa_registry
Revises: 0002_audit_log
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_rwa_registry"
down_revision = "0002_audit_log"
branch_labels = None
depends_on = None

UNITS = sa.Numeric(78, 0).with_variant(sa.String(78), "sqlite")
TS = sa.DateTime(timezone=True)


def _pk(table: str, *cols: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*cols, name=op.f(f"pk_{table}"))


def _fk(table: str, col: str, ref: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([col], [f"{ref}.id"], name=op.f(f"fk_{table}_{col}_{ref}"))


def upgrade() -> None:
    op.create_table(
        "rwa_issuer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("lei", sa.String(20), nullable=True),
        sa.Column("country", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _pk("rwa_issuer", "id"),
        sa.UniqueConstraint("name", name=op.f("uq_rwa_issuer_name")),
    )
    op.create_table(
        "rwa_asset",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("asset_class", sa.String(32), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction", sa.String(16), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("max_units", UNITS, nullable=True),
        sa.Column("issued_units", UNITS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _pk("rwa_asset", "id"),
        _fk("rwa_asset", "issuer_id", "rwa_issuer"),
        sa.UniqueConstraint("symbol", name=op.f("uq_rwa_asset_symbol")),
    )
    op.create_index(op.f("ix_rwa_asset_issuer_id"), "rwa_asset", ["issuer_id"])
    op.create_table(
        "rwa_compliance_rules",
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("allowed_countries", sa.JSON(), nullable=True),
        sa.Column("denied_countries", sa.JSON(), nullable=True),
        sa.Column("allowed_categories", sa.JSON(), nullable=True),
        sa.Column("max_holders", sa.Integer(), nullable=True),
        sa.Column("max_balance", UNITS, nullable=True),
        sa.Column("min_transfer", UNITS, nullable=True),
        sa.Column("lockup_until", TS, nullable=True),
        _pk("rwa_compliance_rules", "asset_id"),
        _fk("rwa_compliance_rules", "asset_id", "rwa_asset"),
    )
    op.create_table(
        "rwa_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("country", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("kyc_status", sa.String(16), nullable=False),
        sa.Column("kyc_expires_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        _pk("rwa_identity", "id"),
        sa.UniqueConstraint("reference", name=op.f("uq_rwa_identity_reference")),
    )
    op.create_table(
        "rwa_wallet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(42), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        _pk("rwa_wallet", "id"),
        _fk("rwa_wallet", "identity_id", "rwa_identity"),
        sa.UniqueConstraint("address", name=op.f("uq_rwa_wallet_address")),
    )
    op.create_index(op.f("ix_rwa_wallet_identity_id"), "rwa_wallet", ["identity_id"])
    op.create_table(
        "rwa_holding",
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("wallet_id", sa.Integer(), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("balance", UNITS, nullable=False),
        sa.Column("frozen_units", UNITS, nullable=False),
        sa.Column("frozen", sa.Boolean(), nullable=False),
        _pk("rwa_holding", "asset_id", "wallet_id"),
        _fk("rwa_holding", "asset_id", "rwa_asset"),
        _fk("rwa_holding", "wallet_id", "rwa_wallet"),
        _fk("rwa_holding", "identity_id", "rwa_identity"),
    )
    op.create_index("ix_rwa_holding_asset_identity", "rwa_holding", ["asset_id", "identity_id"])
    op.create_table(
        "rwa_movement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("from_wallet_id", sa.Integer(), nullable=True),
        sa.Column("to_wallet_id", sa.Integer(), nullable=True),
        sa.Column("units", UNITS, nullable=False),
        sa.Column("frozen_units_moved", UNITS, nullable=False),
        sa.Column("overridden", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _pk("rwa_movement", "id"),
        _fk("rwa_movement", "asset_id", "rwa_asset"),
        _fk("rwa_movement", "from_wallet_id", "rwa_wallet"),
        _fk("rwa_movement", "to_wallet_id", "rwa_wallet"),
    )
    op.create_index(op.f("ix_rwa_movement_asset_id"), "rwa_movement", ["asset_id"])
    op.create_table(
        "rwa_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("removed_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        _pk("rwa_document", "id"),
        _fk("rwa_document", "asset_id", "rwa_asset"),
        sa.UniqueConstraint("asset_id", "name", name="uq_rwa_document_asset_id_name"),
    )
    op.create_table(
        "rwa_document_version",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("filename", sa.String(255), nullable=True),
        sa.Column("uploaded_by", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        _pk("rwa_document_version", "document_id", "version"),
        _fk("rwa_document_version", "document_id", "rwa_document"),
    )
    op.create_table(
        "rwa_api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=True),
        sa.Column("identity_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        _pk("rwa_api_key", "id"),
        _fk("rwa_api_key", "issuer_id", "rwa_issuer"),
        _fk("rwa_api_key", "identity_id", "rwa_identity"),
        sa.UniqueConstraint("prefix", name=op.f("uq_rwa_api_key_prefix")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_rwa_api_key_token_hash")),
    )
    op.create_table(
        "rwa_api_key_asset",
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        _pk("rwa_api_key_asset", "key_id", "asset_id"),
        sa.ForeignKeyConstraint(
            ["key_id"], ["rwa_api_key.id"], name=op.f("fk_rwa_api_key_asset_key_id_rwa_api_key")
        ),
        _fk("rwa_api_key_asset", "asset_id", "rwa_asset"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # the ledger's invariants, enforced by the database too (SQLite stores units as text: checked in code)
        op.create_check_constraint(
            "units_consistent",
            "rwa_holding",
            "balance >= 0 AND frozen_units >= 0 AND frozen_units <= balance",
        )
        op.create_check_constraint("units_non_negative", "rwa_asset", "issued_units >= 0")


def downgrade() -> None:
    for table in (
        "rwa_api_key_asset",
        "rwa_api_key",
        "rwa_document_version",
        "rwa_document",
        "rwa_movement",
        "rwa_holding",
        "rwa_wallet",
        "rwa_identity",
        "rwa_compliance_rules",
        "rwa_asset",
        "rwa_issuer",
    ):
        op.drop_table(table)
