"""Read-only calls on py-evm: ``CallContext`` runs calls on one state built for the block after a header
(the call VM of pyevm.py: timed, or traced), reverting after each; ``StateOverride`` is ``eth_call``'s
per-account override and ``CallOutcome`` what a call leaves behind."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import rlp
from eth.abc import BlockHeaderAPI, ComputationAPI, SignedTransactionAPI, StateAPI
from eth.exceptions import ContractCreationCollision, OutOfGas, Revert
from eth.vm.base import VM as BaseVM
from eth.vm.message import Message
from eth.vm.spoof import SpoofTransaction
from eth_typing import Address
from eth_utils.crypto import keccak
from eth_utils.exceptions import ValidationError

from app.evm.execution.pyevm import _Chain, _TraceChain, deadline


@dataclass(frozen=True, slots=True)
class CallOutcome:
    success: bool
    output: bytes
    gas_used: int  # as a receipt would show it (after refunds)
    gas_consumed: int  # before refunds: the least gas limit that can succeed is at least this
    halt: str | None  # why execution stopped other than success or REVERT (OutOfGas, InvalidInstruction...)
    logs: tuple[tuple[bytes, tuple[int, ...], bytes], ...]
    computation: Any = None  # the frame tree, for tracers


@dataclass(frozen=True, slots=True)
class StateOverride:
    """One account of an ``eth_call`` state override (geth's and anvil's third parameter): set for this
    call only. ``storage`` replaces the whole storage (geth's ``state``); ``storage_diff`` sets slots."""

    address: bytes
    balance: int | None = None
    nonce: int | None = None
    code: bytes | None = None
    storage: Mapping[int, int] | None = None
    storage_diff: Mapping[int, int] | None = None

    def apply(self, state: StateAPI) -> None:
        address = Address(self.address)
        if self.balance is not None:
            state.set_balance(address, self.balance)
        if self.nonce is not None:
            state.set_nonce(address, self.nonce)
        if self.code is not None:
            state.set_code(address, self.code)
        if self.storage is not None:
            # py-evm builds an account's storage view on first use, from the account's storage root at
            # that moment: wiping an account not read yet builds it on the blank root, and reverting the
            # wipe then keeps reading blank. Reading a slot first builds it on the real root.
            state.get_storage(address, 0)
            state.delete_storage(address)
        for slot, value in {**(self.storage or {}), **(self.storage_diff or {})}.items():
            state.set_storage(address, slot, value)


class CallContext:
    """Runs read-only calls on one state built for the block after ``header``, reverting after each
    (reusing the state is ~2x faster than rebuilding it per call)."""

    def __init__(self, call_chain: _Chain, header: BlockHeaderAPI, traced: bool = False) -> None:
        self.header = header
        if traced:
            call_chain = type("Trace", (_TraceChain,), {"chain_id": call_chain.chain_id})(
                call_chain.chaindb.db
            )
        vm = call_chain.get_vm(header)
        assert isinstance(vm, BaseVM)  # py-evm's VM: chain_context is not on VirtualMachineAPI
        temp = vm.generate_block_from_parent_header_and_coinbase(header, header.coinbase)
        free = temp.header.copy(base_fee_per_gas=0)
        prev_hashes = (header.hash, *(vm.previous_hashes or ()))
        self.state: StateAPI = vm.build_state(vm.chaindb.db, free, vm.chain_context, prev_hashes)
        self.builder = vm.get_transaction_builder()

    def _execute(self, executor: Any, tx: Any, gas_price: int) -> ComputationAPI:
        """The message of ``tx`` run straight on the interpreter, as the executor's ``build_evm_message`` +
        ``build_computation`` would, minus what a call that is reverted right after does not need: charging
        the (zero) up-front fee, bumping the sender's nonce, finalizing (refunds, fee payment, touched-account
        cleanup) and py-evm's eagerly formatted debug log of the whole code. Warm addresses, EIP-7702
        delegations and the create-collision rule are kept (about 25% of a call)."""
        state, sender, create = self.state, tx.sender, not tx.to
        code, delegated_to = (tx.data, None) if create else executor.get_code_at_address(tx.to)
        # py-evm's own default for a message that creates nothing is None (though typed Address)
        created: dict[str, Any] = {}
        if create:
            created["create_address"] = Address(keccak(rlp.encode([sender, tx.nonce]))[12:])
        message = Message(
            gas=tx.gas - tx.intrinsic_gas,
            to=tx.to,
            sender=sender,
            value=tx.value,
            data=b"" if create else tx.data,
            code=code,
            is_delegation=delegated_to is not None,
            **created,
        )
        context = state.get_transaction_context_class()(gas_price=gas_price, origin=sender)
        state.mark_address_warm(sender)
        state.mark_address_warm(message.storage_address)
        if create and state.has_code_or_nonce(message.storage_address):
            computation = state.get_computation(message, context)
            computation.error = ContractCreationCollision("address collision while creating a contract")
            return computation
        if create:
            return state.computation_class.apply_create_message(state, message, context)
        return state.computation_class.apply_message(state, message, context)

    def run(
        self,
        *,
        sender: bytes,
        to: bytes,
        data: bytes,
        value: int,
        gas: int,
        gas_price: int,
        timeout: float,
        overrides: Sequence[StateOverride] = (),
    ) -> CallOutcome:
        state = self.state
        snapshot = state.snapshot()
        try:
            for o in overrides:  # undone with the rest of the call by the revert below
                o.apply(state)
            nonce = state.get_nonce(Address(sender))
            unsigned = self.builder.create_unsigned_transaction(
                nonce=nonce, gas_price=0, gas=gas, to=Address(to), value=value, data=data
            )
            tx = SpoofTransaction(unsigned, from_=sender)
            with deadline(state, timeout):
                executor = state.get_transaction_executor()
                # an unsigned transaction with its sender given, standing in for a signed one (as py-evm's
                # own Chain.estimate_gas and get_transaction_result pass it)
                executor.validate_transaction(cast(SignedTransactionAPI, tx))
                computation = self._execute(executor, tx, gas_price)
        except ValidationError as exc:
            from app.evm.errors import InsufficientFunds, InvalidTransaction

            msg = str(exc)
            if "balance" in msg.lower() or "funds" in msg.lower():
                raise InsufficientFunds(f"insufficient funds for gas * price + value: {msg}") from exc
            raise InvalidTransaction(msg) from exc
        finally:
            state.revert(snapshot)
        consumed = unsigned.intrinsic_gas + computation.get_gas_used()
        refund = min(computation.get_gas_refund(), consumed // 5) if computation.is_success else 0
        error = computation.error if computation.is_error else None
        halt = None
        if error is not None and not isinstance(error, Revert):
            halt = "OutOfGas" if isinstance(error, OutOfGas) else type(error).__name__
        return CallOutcome(
            success=computation.is_success,
            output=computation.output if halt is None else b"",
            gas_used=consumed - refund,
            gas_consumed=consumed,
            halt=halt,
            logs=tuple(computation.get_log_entries()) if computation.is_success else (),
            computation=computation,
        )
