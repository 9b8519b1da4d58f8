"""eth_feeHistory: base fees, gas-used ratios and priority-fee percentiles weighted by gas, as geth; blob
base fees and blob gas used ratios (EIP-4844), as geth and anvil."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from app.evm.errors import InvalidParams
from app.evm.execution.pyevm import MAX_BLOB_GAS_PER_BLOCK, blob_base_fee, next_blob_base_fee
from app.evm.hexcodec import hex_quantity

if TYPE_CHECKING:
    from app.evm.abc import ChainAPI

MAX_BLOCKS = 1024


def fee_history(chain: ChainAPI, count: int, newest: int, percentiles: Any) -> dict[str, Any]:
    pcts = _percentiles(percentiles)
    count = min(count, MAX_BLOCKS, newest + 1)
    oldest = newest - count + 1
    base_fees, ratios, rewards, blob_fees, blob_ratios = [], [], [], [], []
    for n in range(oldest, newest + 1):
        header, txs = chain.block_rows(n)
        base_fees.append(hex_quantity(header.base_fee_per_gas))
        ratios.append(header.gas_used / header.gas_limit if header.gas_limit else 0.0)
        blob_fees.append(hex_quantity(blob_base_fee(header)))
        blob_ratios.append(header.blob_gas_used / MAX_BLOB_GAS_PER_BLOCK)
        if pcts is not None:
            tips = sorted((t.effective_gas_price - header.base_fee_per_gas, t.gas_used) for t in txs)
            rewards.append([hex_quantity(_weighted(tips, p, header.gas_used)) for p in pcts])
    base_fees.append(
        hex_quantity(
            chain.next_base_fee()
            if newest == chain.head.block_number
            else chain.header(newest + 1).base_fee_per_gas
        )
    )
    newest_header = chain.header(newest)
    blob_fees.append(hex_quantity(next_blob_base_fee(newest_header)))
    out: dict[str, Any] = {
        "oldestBlock": hex_quantity(oldest),
        "baseFeePerGas": base_fees,
        "gasUsedRatio": ratios,
        "baseFeePerBlobGas": blob_fees,  # EIP-4844 fields, as geth and anvil add them
        "blobGasUsedRatio": blob_ratios,
    }
    if pcts is not None:
        out["reward"] = rewards
    return out


def _percentiles(value: Any) -> list[float] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > 100:
        raise InvalidParams("reward percentiles must be a list of at most 100 numbers")
    prev = -1.0
    for p in value:
        if not isinstance(p, int | float) or not 0 <= p <= 100 or p < prev:
            raise InvalidParams("reward percentiles must be increasing numbers between 0 and 100")
        prev = p
    return [float(p) for p in value]


def _weighted(tips: list[tuple[int, int]], pct: float, gas_used: int) -> int:
    if not tips:
        return 0
    threshold = gas_used * pct / 100
    acc = 0
    for tip, gas in tips:
        acc += gas
        if acc >= threshold:
            return tip
    return tips[-1][0]
