"""``eth_createAccessList``: the addresses and storage slots a call touches, and the gas it uses when
sent with that list (EIP-2930), as geth and anvil answer it.

The call runs on a state that records every address and slot made warm (py-evm's EIP-2929 bookkeeping
goes through ``mark_address_warm``/``mark_storage_warm``). As in geth, the sender, the recipient (or the
created contract) and the precompiles are left out (and the coinbase, warm anyway), and the call is
repeated with the list pre-warmed until the list no longer changes; the gas is that last run's plus the
list's intrinsic cost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import rlp
from eth.vm.forks.prague import PragueVM
from eth_typing import Address
from eth_utils.crypto import keccak

from app.evm.execution import pyevm
from app.evm.execution.call_context import CallContext, CallOutcome

ADDRESS_COST, SLOT_COST = 2400, 1900  # EIP-2930 intrinsic gas per listed address and storage key
PRECOMPILES = frozenset(i.to_bytes(20, "big") for i in range(1, 0x12))  # Prague: 0x01..0x11
MAX_ROUNDS = 4

AccessList = dict[bytes, set[int]]


class _RecordingState(pyevm._TimedState):
    accessed: AccessList

    def mark_address_warm(self, address: Any) -> None:
        self.accessed.setdefault(bytes(address), set())
        super().mark_address_warm(address)

    def mark_storage_warm(self, address: Any, slot: int) -> None:
        self.accessed.setdefault(bytes(address), set()).add(int(slot))
        super().mark_storage_warm(address, slot)


class _RecordingVM(PragueVM):
    _state_class = _RecordingState


class _Prewarm:
    """Applied like a state override, before the call and undone with it: the list is warm from the
    start, as it would be for a transaction carrying it."""

    def __init__(self, access: AccessList) -> None:
        self.access = access

    def apply(self, state: Any) -> None:
        for address, slots in self.access.items():
            state.mark_address_warm(address)
            for slot in slots:
                state.mark_storage_warm(address, slot)


@dataclass(frozen=True, slots=True)
class AccessListResult:
    access: AccessList  # address -> storage slots, in the order first touched
    gas_used: int  # of the call sent with the list, its intrinsic cost included
    error: str | None  # "execution reverted" or the halt, when the call fails


def create_access_list(
    store: Any, chain_id: int, params: dict[str, Any], header: Any, *, gas_cap: int, timeout: float
) -> AccessListResult:
    cls = type(
        "AccessListChain",
        (pyevm._Chain,),
        {"vm_configuration": ((0, _RecordingVM),), "chain_id": chain_id},
    )
    ctx = CallContext(cls(store), header)
    state = cast(_RecordingState, ctx.state)
    sender = params.get("from") or b"\x00" * 20
    to = params.get("to") or b""
    # the coinbase is warm from the start of every transaction (EIP-3651): listing it would only cost
    skip = {bytes(sender), bytes(to) if to else _created(ctx, sender), bytes(state.coinbase)} | PRECOMPILES
    access: AccessList = {}
    for _ in range(MAX_ROUNDS):
        state.accessed = {}
        outcome = _run(ctx, params, sender, to, (_Prewarm(access),), gas_cap, timeout)
        found = {a: s for a, s in state.accessed.items() if a not in skip}
        if found == access:
            break
        access = found
    cost = ADDRESS_COST * len(access) + SLOT_COST * sum(len(s) for s in access.values())
    consumed = outcome.gas_consumed + cost
    computation = outcome.computation
    refund = min(computation.get_gas_refund(), consumed // 5) if outcome.success else 0
    error = None if outcome.success else "execution reverted" if outcome.halt is None else outcome.halt
    return AccessListResult(access, consumed - refund, error)


def _created(ctx: CallContext, sender: bytes) -> bytes:
    nonce = ctx.state.get_nonce(Address(sender))
    return keccak(rlp.encode([sender, nonce]))[12:]


def _run(
    ctx: CallContext,
    params: dict[str, Any],
    sender: bytes,
    to: bytes,
    warm: Sequence[Any],
    cap: int,
    timeout: float,
) -> CallOutcome:
    return ctx.run(
        sender=sender,
        to=to,
        data=params.get("data", b""),
        value=params.get("value", 0),
        gas=min(params.get("gas", cap), cap),
        gas_price=params.get("gasPrice", params.get("maxFeePerGas", 0)),
        timeout=timeout,
        overrides=warm,
    )
