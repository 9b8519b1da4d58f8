"""Value objects for what a mined block leaves behind, and their relational rows.

``app.evm.execution.mined.records_from_block`` turns py-evm's block, receipts and computations into these
records; ``insert`` writes them inside the block's transaction; ``load_*`` read them back after a restart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from app.evm.storage.bulk import insert_rows
from app.evm.storage.models import BlockRow, LogRow, TransactionRow


@dataclass(frozen=True, slots=True)
class LogRecord:
    block_number: int
    block_hash: bytes
    tx_hash: bytes
    tx_index: int
    log_index: int
    address: bytes
    topics: tuple[bytes, ...]
    data: bytes
    block_timestamp: int


@dataclass(frozen=True, slots=True)
class TxRecord:
    hash: bytes
    block_number: int
    block_hash: bytes
    tx_index: int
    tx_type: int
    sender: bytes
    to: bytes | None
    nonce: int
    raw: bytes
    status: bool
    gas_used: int
    cumulative_gas_used: int
    effective_gas_price: int
    contract_address: bytes | None
    logs_bloom: bytes
    revert_data: bytes | None
    logs: tuple[LogRecord, ...]


@dataclass(frozen=True, slots=True)
class BlockRecord:
    number: int
    hash: bytes
    header_rlp: bytes
    tx_hashes: tuple[bytes, ...]


_BLOCK_COLS = (
    "number",
    "hash",
    "parent_hash",
    "timestamp",
    "gas_used",
    "gas_limit",
    "base_fee",
    "tx_count",
    "header_rlp",
)
_TX_COLS = (
    "hash",
    "block_number",
    "block_hash",
    "tx_index",
    "tx_type",
    "sender",
    "to",
    "nonce",
    "raw",
    "status",
    "gas_used",
    "cumulative_gas_used",
    "effective_gas_price",
    "contract_address",
    "logs_bloom",
    "revert_data",
)
_LOG_COLS = (
    "block_number",
    "block_hash",
    "log_index",
    "tx_hash",
    "tx_index",
    "address",
    "topic0",
    "topic1",
    "topic2",
    "topic3",
    "data",
)


def insert_block(conn: Connection, block: BlockRecord, txs: Sequence[TxRecord], header: object) -> None:
    """The block's relational rows, in the caller's transaction (the one that commits its state)."""
    h: Any = header
    block_row = (
        block.number,
        block.hash,
        h.parent_hash,
        h.timestamp,
        h.gas_used,
        h.gas_limit,
        h.base_fee_per_gas,
        len(txs),
        block.header_rlp,
    )
    insert_rows(conn, BlockRow.__table__, _BLOCK_COLS, [block_row])
    if not txs:
        return
    tx_rows = [
        (
            t.hash,
            t.block_number,
            t.block_hash,
            t.tx_index,
            t.tx_type,
            t.sender,
            t.to,
            t.nonce,
            t.raw,
            t.status,
            t.gas_used,
            t.cumulative_gas_used,
            t.effective_gas_price,
            t.contract_address,
            t.logs_bloom,
            t.revert_data,
        )
        for t in txs
    ]
    insert_rows(conn, TransactionRow.__table__, _TX_COLS, tx_rows)
    log_rows = [_log_row(log_record) for t in txs for log_record in t.logs]
    insert_rows(conn, LogRow.__table__, _LOG_COLS, log_rows)


def _log_row(log_record: LogRecord) -> tuple[Any, ...]:
    topics = list(log_record.topics) + [None] * (4 - len(log_record.topics))
    return (
        log_record.block_number,
        log_record.block_hash,
        log_record.log_index,
        log_record.tx_hash,
        log_record.tx_index,
        log_record.address,
        *topics[:4],
        log_record.data,
    )


def log_from_row(r: LogRow, block_timestamp: int) -> LogRecord:
    topics = tuple(t for t in (r.topic0, r.topic1, r.topic2, r.topic3) if t is not None)
    return LogRecord(
        r.block_number,
        r.block_hash,
        r.tx_hash,
        r.tx_index,
        r.log_index,
        r.address,
        topics,
        r.data,
        block_timestamp,
    )


def load_tx(conn: Connection, tx_hash: bytes) -> TxRecord | None:
    r = conn.execute(select(TransactionRow.__table__).where(TransactionRow.hash == tx_hash)).first()
    if r is None:
        return None
    logs = conn.execute(
        select(LogRow.__table__)
        .where(LogRow.block_number == r.block_number, LogRow.tx_index == r.tx_index)
        .order_by(LogRow.log_index)
    ).all()
    block_timestamp = (
        conn.execute(select(BlockRow.timestamp).where(BlockRow.number == r.block_number)).scalar_one()
        if logs
        else 0
    )
    return TxRecord(
        hash=r.hash,
        block_number=r.block_number,
        block_hash=r.block_hash,
        tx_index=r.tx_index,
        tx_type=r.tx_type,
        sender=r.sender,
        to=r.to,
        nonce=r.nonce,
        raw=r.raw,
        status=r.status,
        gas_used=r.gas_used,
        cumulative_gas_used=r.cumulative_gas_used,
        effective_gas_price=int(r.effective_gas_price),
        contract_address=r.contract_address,
        logs_bloom=r.logs_bloom,
        revert_data=r.revert_data,
        # Core rows of log_row columns: every attribute log_from_row reads from a LogRow
        logs=tuple(log_from_row(log_record, block_timestamp) for log_record in logs),  # type: ignore[arg-type]
    )
