"""JSON shapes of blocks, transactions, receipts and logs, as geth and anvil answer them."""

from __future__ import annotations

from typing import Any

from app.evm.hexcodec import addr, hb, hx
from app.evm.storage.records import LogRecord, TxRecord

EMPTY_UNCLES = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"


def log_json(lg: LogRecord, removed: bool = False) -> dict[str, Any]:
    return {
        "address": addr(lg.address),
        "topics": ["0x" + t.hex() for t in lg.topics],
        "data": "0x" + lg.data.hex(),
        "blockNumber": hx(lg.block_number),
        "blockHash": hb(lg.block_hash),
        "blockTimestamp": hx(lg.block_timestamp),
        "transactionHash": hb(lg.tx_hash),
        "transactionIndex": hx(lg.tx_index),
        "logIndex": hx(lg.log_index),
        "removed": removed,
    }


def receipt_json(t: TxRecord) -> dict[str, Any]:
    return {
        "transactionHash": hb(t.hash),
        "transactionIndex": hx(t.tx_index),
        "blockHash": hb(t.block_hash),
        "blockNumber": hx(t.block_number),
        "from": addr(t.sender),
        "to": addr(t.to),
        "cumulativeGasUsed": hx(t.cumulative_gas_used),
        "gasUsed": hx(t.gas_used),
        "effectiveGasPrice": hx(t.effective_gas_price),
        "contractAddress": addr(t.contract_address),
        "logs": [log_json(lg) for lg in t.logs],
        "logsBloom": hb(t.logs_bloom),
        "type": hx(t.tx_type),
        "status": "0x1" if t.status else "0x0",
        **({"revertReason": hb(t.revert_data)} if t.revert_data is not None else {}),
    }


def tx_json(
    tx: Any, chain_id: int, rec: TxRecord | None = None, base_fee: int | None = None
) -> dict[str, Any]:
    """``tx`` is a decoded py-evm signed transaction; ``rec`` its mined record (None while pending)."""
    type_id = getattr(tx, "type_id", None) or 0
    out: dict[str, Any] = {
        "hash": hb(tx.hash),
        "nonce": hx(tx.nonce),
        "blockHash": hb(rec.block_hash) if rec else None,
        "blockNumber": hx(rec.block_number) if rec else None,
        "transactionIndex": hx(rec.tx_index) if rec else None,
        "from": addr(tx.sender),
        "to": addr(tx.to) if tx.to else None,
        "value": hx(tx.value),
        "gas": hx(tx.gas),
        "input": "0x" + tx.data.hex(),
        "type": hx(type_id),
        "r": hx(tx.r),
        "s": hx(tx.s),
    }
    if type_id == 0:
        out["gasPrice"] = hx(tx.gas_price)
        out["v"] = hx(tx.v)
        if tx.v >= 35:
            out["chainId"] = hx((tx.v - 35) // 2)
    else:
        out["chainId"] = hx(tx.chain_id)
        out["v"] = hx(tx.y_parity)
        out["yParity"] = hx(tx.y_parity)
        out["accessList"] = [
            {"address": addr(a), "storageKeys": ["0x" + int(k).to_bytes(32, "big").hex() for k in keys]}
            for a, keys in tx.access_list
        ]
        if type_id == 1:
            out["gasPrice"] = hx(tx.gas_price)
        else:
            out["maxFeePerGas"] = hx(tx.max_fee_per_gas)
            out["maxPriorityFeePerGas"] = hx(tx.max_priority_fee_per_gas)
            out["gasPrice"] = hx(rec.effective_gas_price if rec else tx.max_fee_per_gas)
    return out


def block_json(header: Any, txs: list[Any], full: bool, size: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "number": hx(header.block_number),
        "hash": hb(header.hash),
        "parentHash": hb(header.parent_hash),
        "nonce": hb(header.nonce),
        "sha3Uncles": hb(header.uncles_hash),
        "logsBloom": "0x" + header.bloom.to_bytes(256, "big").hex(),
        "transactionsRoot": hb(header.transaction_root),
        "stateRoot": hb(header.state_root),
        "receiptsRoot": hb(header.receipt_root),
        "miner": addr(header.coinbase),
        "difficulty": hx(header.difficulty),
        "totalDifficulty": "0x0",
        "extraData": hb(header.extra_data),
        "size": hx(size),
        "gasLimit": hx(header.gas_limit),
        "gasUsed": hx(header.gas_used),
        "timestamp": hx(header.timestamp),
        "mixHash": hb(header.mix_hash),
        "transactions": txs if full else [t if isinstance(t, str) else t["hash"] for t in txs],
        "uncles": [],
        "baseFeePerGas": hx(header.base_fee_per_gas),
    }
    for attr, key in (
        ("withdrawals_root", "withdrawalsRoot"),
        ("parent_beacon_block_root", "parentBeaconBlockRoot"),
        ("requests_hash", "requestsHash"),
    ):
        if hasattr(header, attr):
            out[key] = hb(getattr(header, attr))
    for attr, key in (("blob_gas_used", "blobGasUsed"), ("excess_blob_gas", "excessBlobGas")):
        if hasattr(header, attr):
            out[key] = hx(getattr(header, attr))
    if hasattr(header, "withdrawals_root"):
        out["withdrawals"] = []
    return out
