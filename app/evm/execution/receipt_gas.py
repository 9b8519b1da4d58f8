"""A receipt's gas used under EIP-7623, where py-evm 0.12.1b1 gets it wrong (found by the differential
fuzzer against anvil; tests/fixtures/difffuzz/eip7623-floor-with-refund-receipt-gas.json).

EIP-7623: ``gas_used = max(gas_spent - refund, floor)`` with ``refund = min(refund_counter, gas_spent // 5)``.
py-evm's state charges the sender exactly that (``finalize_computation`` tops the gas up to the floor *after*
the refund: ``computation.data_floor_gas``), but ``VM.finalize_gas_used``, which the receipt and the block's
gas used come from, adds that top-up first and then subtracts the refund again, capped at a fifth of the
inflated sum. When the floor applies and the transaction earned a refund (SSTORE clears, EIP-7702
authorizations of existing accounts), the receipt showed less than the floor, and less than the sender
paid."""

from __future__ import annotations

from typing import Any


class FloorAwareGasUsed:
    """Mixin for a PragueVM subclass (before it in the bases): the receipt's gas used as EIP-7623 says."""

    @classmethod
    def finalize_gas_used(cls, transaction: Any, computation: Any) -> int:
        vm: Any = cls  # a PragueVM: calculate_net_gas_refund caps the refund at a fifth (EIP-3529)
        spent: int = transaction.gas - computation.get_gas_remaining()
        refund: int = vm.calculate_net_gas_refund(spent, computation.get_gas_refund())
        floor_top_up: int = computation.data_floor_gas
        return spent - refund + floor_top_up
