"""JSON shapes of blocks, transactions, receipts and logs, as geth and anvil answer them."""

from __future__ import annotations

from typing import Any

from app.evm.hexcodec import addr, hex_data, hex_quantity
from app.evm.storage.records import LogRecord, TxRecord

EMPTY_UNCLES = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"


def log_json(log_record: LogRecord, removed: bool = False) -> dict[str, Any]:
    return {
        "address": addr(log_record.address),
        "topics": ["0x" + t.hex() for t in log_record.topics],
        "data": "0x" + log_record.data.hex(),
        "blockNumber": hex_quantity(log_record.block_number),
        "blockHash": hex_data(log_record.block_hash),
        "blockTimestamp": hex_quantity(log_record.block_timestamp),
        "transactionHash": hex_data(log_record.tx_hash),
        "transactionIndex": hex_quantity(log_record.tx_index),
        "logIndex": hex_quantity(log_record.log_index),
        "removed": removed,
    }


def receipt_json(t: TxRecord) -> dict[str, Any]:
    return {
        "transactionHash": hex_data(t.hash),
        "transactionIndex": hex_quantity(t.tx_index),
        "blockHash": hex_data(t.block_hash),
        "blockNumber": hex_quantity(t.block_number),
        "from": addr(t.sender),
        "to": addr(t.to),
        "cumulativeGasUsed": hex_quantity(t.cumulative_gas_used),
        "gasUsed": hex_quantity(t.gas_used),
        "effectiveGasPrice": hex_quantity(t.effective_gas_price),
        "contractAddress": addr(t.contract_address),
        "logs": [log_json(log_record) for log_record in t.logs],
        "logsBloom": hex_data(t.logs_bloom),
        "type": hex_quantity(t.tx_type),
        "status": "0x1" if t.status else "0x0",
        **({"revertReason": hex_data(t.revert_data)} if t.revert_data is not None else {}),
    }


def tx_json(
    tx: Any, chain_id: int, rec: TxRecord | None = None, base_fee: int | None = None
) -> dict[str, Any]:
    """``tx`` is a decoded py-evm signed transaction; ``rec`` its mined record (None while pending)."""
    type_id = getattr(tx, "type_id", None) or 0
    out: dict[str, Any] = {
        "hash": hex_data(tx.hash),
        "nonce": hex_quantity(tx.nonce),
        "blockHash": hex_data(rec.block_hash) if rec else None,
        "blockNumber": hex_quantity(rec.block_number) if rec else None,
        "transactionIndex": hex_quantity(rec.tx_index) if rec else None,
        "from": addr(tx.sender),
        "to": addr(tx.to) if tx.to else None,
        "value": hex_quantity(tx.value),
        "gas": hex_quantity(tx.gas),
        "input": "0x" + tx.data.hex(),
        "type": hex_quantity(type_id),
        "r": hex_quantity(tx.r),
        "s": hex_quantity(tx.s),
    }
    if type_id == 0:
        out["gasPrice"] = hex_quantity(tx.gas_price)
        out["v"] = hex_quantity(tx.v)
        if tx.v >= 35:
            out["chainId"] = hex_quantity((tx.v - 35) // 2)
    else:
        out["chainId"] = hex_quantity(tx.chain_id)
        out["v"] = hex_quantity(tx.y_parity)
        out["yParity"] = hex_quantity(tx.y_parity)
        out["accessList"] = [
            {"address": addr(a), "storageKeys": ["0x" + int(k).to_bytes(32, "big").hex() for k in keys]}
            for a, keys in tx.access_list
        ]
        if type_id == 1:
            out["gasPrice"] = hex_quantity(tx.gas_price)
        else:
            out["maxFeePerGas"] = hex_quantity(tx.max_fee_per_gas)
            out["maxPriorityFeePerGas"] = hex_quantity(tx.max_priority_fee_per_gas)
            out["gasPrice"] = hex_quantity(rec.effective_gas_price if rec else tx.max_fee_per_gas)
    return out


def block_json(header: Any, txs: list[Any], full: bool, size: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "number": hex_quantity(header.block_number),
        "hash": hex_data(header.hash),
        "parentHash": hex_data(header.parent_hash),
        "nonce": hex_data(header.nonce),
        "sha3Uncles": hex_data(header.uncles_hash),
        "logsBloom": "0x" + header.bloom.to_bytes(256, "big").hex(),
        "transactionsRoot": hex_data(header.transaction_root),
        "stateRoot": hex_data(header.state_root),
        "receiptsRoot": hex_data(header.receipt_root),
        "miner": addr(header.coinbase),
        "difficulty": hex_quantity(header.difficulty),
        "totalDifficulty": "0x0",
        "extraData": hex_data(header.extra_data),
        "size": hex_quantity(size),
        "gasLimit": hex_quantity(header.gas_limit),
        "gasUsed": hex_quantity(header.gas_used),
        "timestamp": hex_quantity(header.timestamp),
        "mixHash": hex_data(header.mix_hash),
        "transactions": txs if full else [t if isinstance(t, str) else t["hash"] for t in txs],
        "uncles": [],
        "baseFeePerGas": hex_quantity(header.base_fee_per_gas),
    }
    for attr, key in (
        ("withdrawals_root", "withdrawalsRoot"),
        ("parent_beacon_block_root", "parentBeaconBlockRoot"),
        ("requests_hash", "requestsHash"),
    ):
        if hasattr(header, attr):
            out[key] = hex_data(getattr(header, attr))
    for attr, key in (("blob_gas_used", "blobGasUsed"), ("excess_blob_gas", "excessBlobGas")):
        if hasattr(header, attr):
            out[key] = hex_quantity(getattr(header, attr))
    if hasattr(header, "withdrawals_root"):
        out["withdrawals"] = []
    return out
