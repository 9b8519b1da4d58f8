"""eth_estimateGas: the exact least gas limit with which the transaction succeeds.

Binary search as geth does, starting from the gas the transaction consumed with the cap (nothing below it
can succeed) and an optimistic upper bound of 64/63 of it; unlike py-evm's estimator there is no
tolerance: the answer is the minimum."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.evm.errors import ExecutionReverted, InvalidTransaction, OutOfGas
from app.evm.execution.call_context import CallOutcome
from app.evm.execution.revert import describe
from app.evm.node.txvalidation import calldata_floor

CALL_STIPEND = 2300


def raise_for(outcome: CallOutcome) -> None:
    if outcome.success:
        return
    if outcome.halt is None:
        raise ExecutionReverted(describe(outcome.output), data="0x" + outcome.output.hex())
    if outcome.halt == "OutOfGas":
        raise OutOfGas("out of gas")
    raise OutOfGas(f"EVM error {outcome.halt}")


Call = Callable[[dict[str, Any], Any], CallOutcome]  # a read-only call at a header


def estimate(call: Call, gas_cap: int, params: dict[str, Any], header: Any) -> int:
    """Every probe runs through ``call`` at ``header``; the limit never exceeds ``gas_cap``."""
    cap = min(int(params.get("gas", gas_cap)), gas_cap)
    first = call({**params, "gas": cap}, header)
    if not first.success and first.halt == "OutOfGas":
        raise OutOfGas(f"gas required exceeds allowance ({cap})")
    raise_for(first)

    def ok(gas: int) -> bool:
        try:
            return call({**params, "gas": gas}, header).success
        except InvalidTransaction:  # below the intrinsic gas (or the EIP-7623 calldata floor)
            return False

    # EIP-7623 (Prague): a transaction pays at least its calldata floor, whatever execution used
    floor = calldata_floor(params.get("data", b""))
    lo, hi = max(first.gas_consumed, floor) - 1, cap
    optimistic = min((first.gas_consumed + CALL_STIPEND) * 64 // 63, cap)
    if optimistic < hi and ok(optimistic):
        hi = optimistic
    while lo + 1 < hi:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi
