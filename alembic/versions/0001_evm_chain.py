"""EVM chain: key-value state, blocks, transactions with receipts, logs, chain facts

Revision ID: 0001_evm_chain
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_evm_chain"
down_revision = None
branch_labels = None
depends_on = None

U256 = sa.Numeric(78, 0)


def upgrade() -> None:
    op.create_table(
        "evm_kv",
        sa.Column("key", sa.LargeBinary(), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_evm_kv")),
    )
    op.create_table(
        "evm_block",
        sa.Column("number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.Column("parent_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("timestamp", sa.BigInteger(), nullable=False),
        sa.Column("gas_used", sa.BigInteger(), nullable=False),
        sa.Column("gas_limit", sa.BigInteger(), nullable=False),
        sa.Column("base_fee", U256, nullable=False),
        sa.Column("tx_count", sa.Integer(), nullable=False),
        sa.Column("header_rlp", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_evm_block")),
        sa.UniqueConstraint("hash", name=op.f("uq_evm_block_hash")),
    )
    op.create_table(
        "evm_tx",
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("block_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("tx_index", sa.Integer(), nullable=False),
        sa.Column("tx_type", sa.Integer(), nullable=False),
        sa.Column("sender", sa.LargeBinary(20), nullable=False),
        sa.Column("to", sa.LargeBinary(20), nullable=True),
        sa.Column("nonce", sa.BigInteger(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.Boolean(), nullable=False),
        sa.Column("gas_used", sa.BigInteger(), nullable=False),
        sa.Column("cumulative_gas_used", sa.BigInteger(), nullable=False),
        sa.Column("effective_gas_price", U256, nullable=False),
        sa.Column("contract_address", sa.LargeBinary(20), nullable=True),
        sa.Column("logs_bloom", sa.LargeBinary(256), nullable=False),
        sa.Column("revert_data", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("hash", name=op.f("pk_evm_tx")),
    )
    op.create_index(op.f("ix_evm_tx_block_number"), "evm_tx", ["block_number"])
    op.create_index(op.f("ix_evm_tx_sender"), "evm_tx", ["sender"])
    op.create_table(
        "evm_log",
        sa.Column("block_number", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("log_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("block_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("tx_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("tx_index", sa.Integer(), nullable=False),
        sa.Column("address", sa.LargeBinary(20), nullable=False),
        sa.Column("topic0", sa.LargeBinary(32), nullable=True),
        sa.Column("topic1", sa.LargeBinary(32), nullable=True),
        sa.Column("topic2", sa.LargeBinary(32), nullable=True),
        sa.Column("topic3", sa.LargeBinary(32), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("block_number", "log_index", name=op.f("pk_evm_log")),
    )
    op.create_index("ix_evm_log_address_block", "evm_log", ["address", "block_number"])
    op.create_index("ix_evm_log_topic0_block", "evm_log", ["topic0", "block_number"])
    op.create_table(
        "evm_meta",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.String(256), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_evm_meta")),
    )
    op.create_table(
        "evm_contract",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("address", sa.LargeBinary(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("abi", sa.Text(), nullable=False),
        sa.Column("compiler_version", sa.String(100), nullable=True),
        sa.Column("compiler_settings", sa.Text(), nullable=True),
        sa.Column("source_hash", sa.LargeBinary(32), nullable=True),
        sa.Column("bytecode_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("deployer", sa.LargeBinary(20), nullable=False),
        sa.Column("tx_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("proxy_admin", sa.LargeBinary(20), nullable=True),
        sa.Column("implementation", sa.LargeBinary(20), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evm_contract")),
        sa.UniqueConstraint("address", name=op.f("uq_evm_contract_address")),
    )
    op.create_table(
        "evm_contract_impl",
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("implementation", sa.LargeBinary(20), nullable=False),
        sa.Column("abi", sa.Text(), nullable=False),
        sa.Column("tx_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["evm_contract.id"], name=op.f("fk_evm_contract_impl_contract_id_evm_contract")
        ),
        sa.PrimaryKeyConstraint("contract_id", "version", name=op.f("pk_evm_contract_impl")),
    )


def downgrade() -> None:
    op.drop_table("evm_contract_impl")
    op.drop_table("evm_contract")
    op.drop_table("evm_meta")
    op.drop_index("ix_evm_log_topic0_block", table_name="evm_log")
    op.drop_index("ix_evm_log_address_block", table_name="evm_log")
    op.drop_table("evm_log")
    op.drop_index(op.f("ix_evm_tx_sender"), table_name="evm_tx")
    op.drop_index(op.f("ix_evm_tx_block_number"), table_name="evm_tx")
    op.drop_table("evm_tx")
    op.drop_table("evm_block")
    op.drop_table("evm_kv")
