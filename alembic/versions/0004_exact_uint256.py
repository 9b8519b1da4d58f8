"""Chain integrity: every uint256 column stored exactly on both dialects (SQLite: zero-padded text)

PostgreSQL's NUMERIC(78,0) is already exact: nothing changes there. On SQLite, ``evm_block.base_fee`` and
``evm_tx.effective_gas_price`` become zero-padded 78-digit text (app/evm/storage/uint256.py), which the
NUMERIC affinity would turn back into numbers. Values below 2^63 were stored as exact integers and are padded
as they are; a value stored as a REAL (2^63 and up: the old write path sent those as floats) had lost digits,
so it is recomputed from what the row keeps exactly: the block's RLP header (base fee) and the signed
transaction (effective gas price). ``evm_contract_impl`` keeps each version's build facts (name, compiler
version, source hash) so that rewinding an upgrade (evm_revert) restores them. The genesis itself needs
no schema: the chain writes its hash and source to ``evm_meta`` at start (app/evm/node/genesis/opening.py).

Downgrade turns the text back into NUMERIC (beyond 2^63 SQLite keeps a float again, as before).

Revision ID: 0004_exact_uint256
Revises: 0003_rwa_registry
Create Date: 2026-12-01
"""

from typing import Any

import rlp
import sqlalchemy as sa
from alembic import op

revision = "0004_exact_uint256"
down_revision = "0003_rwa_registry"
branch_labels = None
depends_on = None

WIDTH = 78
OLD = sa.Numeric(WIDTH, 0)
NEW = sa.String(WIDTH)
COLUMNS = (("evm_block", "base_fee", "number"), ("evm_tx", "effective_gas_price", "hash"))
_BASE_FEE_FIELD = 15  # London and later headers: the 16th field


IMPL_FACTS = (
    ("name", sa.String(200)),
    ("compiler_version", sa.String(100)),
    ("source_hash", sa.LargeBinary(32)),
)


def upgrade() -> None:
    with op.batch_alter_table("evm_contract_impl") as batch:
        for name, type_ in IMPL_FACTS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    lossy = {table: _real_rows(bind, table, col, key) for table, col, key in COLUMNS}
    for table, col, _ in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(col, type_=NEW, existing_type=OLD, existing_nullable=False)
        op.execute(f"UPDATE {table} SET {col} = printf('%0{WIDTH}d', CAST({col} AS INTEGER))")
    for number in lossy["evm_block"]:
        _set(bind, "evm_block", "base_fee", "number", number, _block_base_fee(bind, number))
    for tx_hash in lossy["evm_tx"]:
        _set(bind, "evm_tx", "effective_gas_price", "hash", tx_hash, _effective_gas_price(bind, tx_hash))


def downgrade() -> None:
    with op.batch_alter_table("evm_contract_impl") as batch:
        for name, _ in reversed(IMPL_FACTS):
            batch.drop_column(name)
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, col, _ in COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(col, type_=OLD, existing_type=NEW, existing_nullable=False)


def _real_rows(bind: Any, table: str, col: str, key: str) -> list[Any]:
    return list(bind.execute(sa.text(f"SELECT {key} FROM {table} WHERE typeof({col}) = 'real'")).scalars())


def _set(bind: Any, table: str, col: str, key: str, pk: Any, value: int) -> None:
    bind.execute(
        sa.text(f"UPDATE {table} SET {col} = :v WHERE {key} = :k"), {"v": str(value).zfill(WIDTH), "k": pk}
    )


def _block_base_fee(bind: Any, number: int) -> int:
    header = bind.execute(
        sa.text("SELECT header_rlp FROM evm_block WHERE number = :n"), {"n": number}
    ).scalar_one()
    return int.from_bytes(rlp.decode(header)[_BASE_FEE_FIELD], "big")


def _effective_gas_price(bind: Any, tx_hash: bytes) -> int:
    raw, number = bind.execute(
        sa.text("SELECT raw, block_number FROM evm_tx WHERE hash = :h"), {"h": tx_hash}
    ).one()
    raw = bytes(raw)
    if raw[0] >= 0xC0:  # legacy: [nonce, gasPrice, ...]
        return int.from_bytes(rlp.decode(raw)[1], "big")
    fields = rlp.decode(raw[1:])
    if raw[0] == 1:  # EIP-2930: [chainId, nonce, gasPrice, ...]
        return int.from_bytes(fields[2], "big")
    # EIP-1559 and later: [chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, ...]
    tip, cap = int.from_bytes(fields[2], "big"), int.from_bytes(fields[3], "big")
    return min(cap, _block_base_fee(bind, number) + tip)
