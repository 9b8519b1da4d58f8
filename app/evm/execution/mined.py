"""What a mined block leaves behind, read off py-evm's block, receipts and computations into the plain
records of ``app.evm.storage.records`` (split out of that module so storage never touches py-evm)."""

from __future__ import annotations

from typing import Any

from eth.exceptions import Revert
from eth_utils.crypto import keccak

from app.evm.execution.pyevm import MinedBlock, encode_header
from app.evm.storage.records import BlockRecord, LogRecord, TxRecord


def _contract_address(sender: bytes, nonce: int) -> bytes:
    import rlp

    return keccak(rlp.encode([sender, nonce]))[12:]


def effective_gas_price(tx: Any, base_fee: int) -> int:
    """What a transaction of any type (py-evm's, typed by its fork) paid per gas in a block of `base_fee`."""
    max_fee = getattr(tx, "max_fee_per_gas", None)
    if getattr(tx, "type_id", None) in (None, 0, 1) or max_fee is None:
        return int(tx.gas_price)
    return min(int(max_fee), base_fee + int(tx.max_priority_fee_per_gas))


def records_from_block(mined: MinedBlock) -> tuple[BlockRecord, tuple[TxRecord, ...]]:
    block = mined.block
    header = block.header
    txs: list[TxRecord] = []
    prev_cumulative = 0
    log_index = 0
    for i, (tx, receipt, comp) in enumerate(
        zip(block.transactions, mined.receipts, mined.computations, strict=True)
    ):
        tx_hash = tx.hash
        logs = []
        for log in receipt.logs:
            topics = tuple(t.to_bytes(32, "big") for t in log.topics)
            logs.append(
                LogRecord(
                    header.block_number,
                    header.hash,
                    tx_hash,
                    i,
                    log_index,
                    log.address,
                    topics,
                    log.data,
                    header.timestamp,
                )
            )
            log_index += 1
        is_create = tx.to == b""
        ok = bool(receipt.state_root == b"\x01")
        txs.append(
            TxRecord(
                hash=tx_hash,
                block_number=header.block_number,
                block_hash=header.hash,
                tx_index=i,
                tx_type=getattr(tx, "type_id", None) or 0,
                sender=tx.sender,
                to=None if is_create else tx.to,
                nonce=tx.nonce,
                raw=tx.encode(),
                status=ok,
                gas_used=receipt.gas_used - prev_cumulative,
                cumulative_gas_used=receipt.gas_used,
                # a header has no base fee only before London, which this chain never runs
                effective_gas_price=effective_gas_price(tx, header.base_fee_per_gas or 0),
                contract_address=_contract_address(tx.sender, tx.nonce) if is_create else None,
                logs_bloom=receipt.bloom.to_bytes(256, "big"),
                revert_data=comp.output if comp.is_error and isinstance(comp.error, Revert) else None,
                logs=tuple(logs),
            )
        )
        prev_cumulative = receipt.gas_used
    rec = BlockRecord(header.block_number, header.hash, encode_header(header), tuple(t.hash for t in txs))
    return rec, tuple(txs)
