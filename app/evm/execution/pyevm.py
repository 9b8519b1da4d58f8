"""The one module that touches py-evm internals: chain class, genesis, block building, rewinds (read-only
calls: call_context.py, on the call VM defined here). Everything above it sees headers, receipts and
computations through their public attributes and the plain values these functions return."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import rlp
from eth._utils.calculations import fake_exponential  # where py-evm defines it (prague.state imports it)
from eth.abc import (
    AtomicDatabaseAPI,
    BlockAPI,
    BlockHeaderAPI,
    ComputationAPI,
    ReceiptAPI,
    SignedTransactionAPI,
    StateAPI,
    VirtualMachineAPI,
)
from eth.chains.base import MiningChain
from eth.constants import BLANK_ROOT_HASH
from eth.db.account import AccountDB
from eth.db.schema import SchemaV1
from eth.exceptions import (
    CanonicalHeadNotFound,
    HeaderNotFound,
)
from eth.vm.code_stream import CodeStream
from eth.vm.forks.cancun.constants import MIN_BLOB_BASE_FEE
from eth.vm.forks.prague import PragueVM
from eth.vm.forks.prague.blocks import PragueBackwardsHeader
from eth.vm.forks.prague.computation import PragueComputation
from eth.vm.forks.prague.constants import BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE
from eth.vm.forks.prague.constants import MAX_BLOB_GAS_PER_BLOCK as MAX_BLOB_GAS_PER_BLOCK  # re-exported
from eth.vm.forks.prague.headers import calc_excess_blob_gas_prague
from eth.vm.forks.prague.state import PragueState
from eth_typing import BlockNumber, Hash32
from eth_utils.exceptions import ValidationError

from app.evm.errors import ExecutionTimeout
from app.evm.execution.keccak import use_c_backend
from app.evm.execution.ordered_trie import ordered_trie_root
from app.evm.execution.receipt_gas import FloorAwareGasUsed

use_c_backend()

VM = PragueVM
EVM_VERSION = "prague"
POST_MERGE_NONCE = b"\x00" * 8


# -- EIP-7610 ---------------------------------------------------------------------------------------
def collides_eip7610(state: Any, address: bytes) -> bool:
    """EIP-7610 (retroactive, as geth and revm apply it): creating a contract at an address that has code,
    a nonce *or non-empty storage* is a collision. py-evm checks only code and nonce."""
    db = state._account_db
    return bool(db.account_has_code_or_nonce(address) or db._get_storage_root(address) != BLANK_ROOT_HASH)


# -- JUMPDEST analysis, once per code -----------------------------------------------------------------
# py-evm's CodeStream decides whether a jump target is an opcode (not PUSH data) by looking back from it,
# caching the answer per CodeStream, and every call frame builds a new CodeStream: a contract's analysis is
# redone on every call (about 5% of an eth_call). Here the positions where an opcode starts are computed
# in one forward pass per distinct code and shared by every frame that runs that code.
_PUSH1, _PUSH32 = 0x60, 0x7F


@lru_cache(maxsize=2048)
def opcode_starts(code: bytes) -> bytes:
    """One byte per position of ``code``: 1 where an opcode starts, 0 inside PUSH data."""
    starts = bytearray(len(code))
    i, n = 0, len(code)
    while i < n:
        starts[i] = 1
        op = code[i]
        i += op - _PUSH1 + 2 if _PUSH1 <= op <= _PUSH32 else 1
    return bytes(starts)


class _AnalyzedCode(CodeStream):
    __slots__ = ("_starts",)

    def __init__(self, code_bytes: bytes) -> None:
        super().__init__(code_bytes)
        self._starts = opcode_starts(bytes(code_bytes))

    def is_valid_opcode(self, position: int) -> bool:
        return 0 <= position < self._length_cache and self._starts[position] == 1


class _Computation(PragueComputation):
    def __init__(self, state: Any, message: Any, transaction_context: Any) -> None:
        super().__init__(state, message, transaction_context)
        self.code = _AnalyzedCode(message.code)


class _State(PragueState):
    computation_class = _Computation
    has_code_or_nonce = collides_eip7610
    deadline = float("inf")  # monotonic time after which the timed opcodes stop a call (see `deadline`)


class _VM(FloorAwareGasUsed, PragueVM):
    _state_class = _State


# -- per-call deadline ------------------------------------------------------------------------------
# Every loop in EVM code needs a JUMP/JUMPI and every nesting a CALL/CREATE, so checking the clock on
# those opcodes bounds the wall time of a call without a check on every instruction. The deadline lives
# on the call's state, so calls running on several threads each keep their own.
_CHECKED = {0x56, 0x57, 0xF0, 0xF1, 0xF2, 0xF4, 0xF5, 0xFA}


def _timed(opcode_fn: Any) -> Any:
    def run(computation: Any) -> None:
        if time.monotonic() > computation.state.deadline:
            raise ExecutionTimeout("execution timed out")
        opcode_fn(computation=computation)

    run.mnemonic = getattr(opcode_fn, "mnemonic", "?")  # type: ignore[attr-defined]  # py-evm's opcode attribute
    return run


class _TimedComputation(_Computation):
    opcodes = {k: (_timed(v) if k in _CHECKED else v) for k, v in _Computation.opcodes.items()}


class _TimedState(_State):
    computation_class = _TimedComputation


class _CallVM(FloorAwareGasUsed, PragueVM):
    _state_class = _TimedState


# -- call tracing -----------------------------------------------------------------------------------
# The opcode that spawns a child frame is remembered on the parent so each child knows how it was made.
_FRAME_OPS = {
    0xF0: "CREATE",
    0xF1: "CALL",
    0xF2: "CALLCODE",
    0xF4: "DELEGATECALL",
    0xF5: "CREATE2",
    0xFA: "STATICCALL",
}


def _remembering(kind: str, opcode_fn: Any) -> Any:
    def run(computation: Any) -> None:
        computation.trace_op = kind
        opcode_fn(computation=computation)

    run.mnemonic = getattr(opcode_fn, "mnemonic", kind)  # type: ignore[attr-defined]  # py-evm's opcode attribute
    return run


class _TracedComputation(_TimedComputation):
    trace_kind = "CALL"  # how the parent frame made this one (CALL, DELEGATECALL, CREATE, ...)
    opcodes = {
        k: (_remembering(_FRAME_OPS[k], v) if k in _FRAME_OPS else v)
        for k, v in _TimedComputation.opcodes.items()
    }

    def add_log_entry(self, account: Any, topics: Any, data: bytes) -> None:
        # callTracer's log "position": how many child calls this frame had made when it logged
        self.__dict__.setdefault("trace_log_positions", []).append(len(self.children))
        super().add_log_entry(account, topics, data)

    def apply_child_computation(self, child_msg: Any) -> Any:
        child = self.generate_child_computation(child_msg)
        assert isinstance(child, _TracedComputation)  # a traced frame's children are traced frames
        child.trace_kind = getattr(self, "trace_op", "CALL")
        self.add_child_computation(child)
        return child


class _TracedState(_State):
    computation_class = _TracedComputation


class _TraceVM(FloorAwareGasUsed, PragueVM):
    _state_class = _TracedState


# -- chain -------------------------------------------------------------------------------------------
class _Chain(MiningChain):
    vm_configuration: tuple[tuple[BlockNumber, type[VirtualMachineAPI]], ...] = ((BlockNumber(0), _VM),)
    chain_id = 31337

    def create_header_from_parent(self, parent_header: BlockHeaderAPI, **params: Any) -> BlockHeaderAPI:
        # the block gas limit stays where genesis put it (anvil does the same), and so does the coinbase:
        # evm_setBlockGasLimit and anvil_setCoinbase change them for every later block
        params.setdefault("gas_limit", parent_header.gas_limit)
        params.setdefault("coinbase", parent_header.coinbase)
        return super().create_header_from_parent(parent_header, **params)


class _CallChain(_Chain):
    vm_configuration = ((BlockNumber(0), _CallVM),)


class _TraceChain(_Chain):
    vm_configuration = ((BlockNumber(0), _TraceVM),)


def replay(chain: _Chain, header: BlockHeaderAPI, txs: Sequence[SignedTransactionAPI], timeout: float) -> Any:
    """Re-execute ``txs`` (a block's transactions up to and including the one to trace) on the state
    before ``header`` with the tracing VM; returns the last transaction's computation tree."""
    tracer = type("Trace", (_TraceChain,), {"chain_id": chain.chain_id})(chain.chaindb.db)
    parent = chain.get_block_header_by_hash(header.parent_hash)
    # the block's own transactions are replayed from ``txs``: start from an empty body (its transaction
    # trie is not in the key-value store, see ``mine``)
    start = header.copy(
        state_root=parent.state_root,
        gas_used=0,
        transaction_root=BLANK_ROOT_HASH,
        receipt_root=BLANK_ROOT_HASH,
    )
    vm = tracer.get_vm(start)
    vm.block_preprocessing(vm.get_block())
    current = vm.get_header()
    computation = None
    with deadline(vm.state, timeout):
        for tx in txs:
            receipt, computation = vm.apply_transaction(current, tx)
            current = vm.add_receipt_to_header(current, receipt)
    return computation


@contextmanager
def deadline(state: Any, seconds: float) -> Iterator[None]:
    state.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        state.deadline = float("inf")


@dataclass(frozen=True, slots=True)
class MinedBlock:
    block: BlockAPI
    receipts: tuple[ReceiptAPI, ...]
    computations: tuple[ComputationAPI, ...]


def chain_class(chain_id: int, *, for_calls: bool = False) -> type[_Chain]:
    base = _CallChain if for_calls else _Chain
    return type(f"Aurigraph{chain_id}", (base,), {"chain_id": chain_id})


def open_genesis(
    db: AtomicDatabaseAPI, *, chain_id: int, params: Mapping[str, Any], state: Mapping[bytes, Any]
) -> tuple[_Chain, bool]:
    """Open the chain stored in ``db``, creating its genesis when it is empty from the header fields
    ``params`` (py-evm's names) and the accounts ``state`` (balance, nonce, code, storage).
    Returns (chain, created)."""
    cls = chain_class(chain_id)
    try:
        cls.get_chaindb_class()(db).get_canonical_head()
    except (CanonicalHeadNotFound, HeaderNotFound, KeyError):
        # py-evm types from_genesis as BaseChain's, and its state as a stricter mapping than the one it takes
        return cls.from_genesis(db, dict(params), dict(state)), True  # type: ignore[return-value, arg-type]
    return cls(db), False


def genesis_hash(*, chain_id: int, params: Mapping[str, Any], state: Mapping[bytes, Any]) -> bytes:
    """The hash of the genesis block ``params`` and ``state`` make, built in memory."""
    from eth.db.atomic import AtomicDB

    chain, _ = open_genesis(AtomicDB(), chain_id=chain_id, params=params, state=state)
    return bytes(chain.get_canonical_head().hash)


@dataclass(frozen=True, slots=True)
class Rejected:
    tx: SignedTransactionAPI
    reason: str


def mine(
    chain: _Chain,
    txs: Sequence[SignedTransactionAPI],
    *,
    timestamp: int,
    mix_hash: bytes,
    edits: Callable[[StateAPI], None] | None = None,
    header: BlockHeaderAPI | None = None,
) -> tuple[MinedBlock, tuple[Rejected, ...]]:
    """Build, seal and persist (into the key-value store) one block on top of the canonical head.

    Like py-evm's ``MiningChain.mine_all`` but a transaction that turns out invalid in this block (the block
    is full, an earlier transaction spent the funds) is left out and reported instead of failing the
    block. ``edits`` change the state before the first transaction (anvil_setBalance and friends).
    ``header`` is the pending header ``pending_header`` made from the head (saves building it twice).

    The sealed block goes straight to the chain database: ``Chain.persist_block`` would re-validate the
    header we just built and read the whole block back to report it (about 0.4 ms a block). For the same
    reason the block is sealed without ``VM.mine_block``'s ``validate_block`` (which checks our own header
    against its parent and recomputes the transactions root). The transactions and receipts roots come
    from ``ordered_trie_root``, built bottom-up in one pass; py-evm's
    ``set_block_transactions_and_withdrawals`` inserts item by item into a HexaryTrie and stores every node
    of both tries in the key-value store, which nothing here reads: blocks, transactions and receipts are
    served from the relational tables."""
    if header is None:
        header = chain.create_header_from_parent(chain.get_canonical_head(), timestamp=timestamp)
    else:
        header = header.copy(timestamp=timestamp)
    vm = chain.get_vm(header)
    assert isinstance(vm, PragueVM)  # our VMs: block_preprocessing is not on VirtualMachineAPI
    vm.block_preprocessing(vm.get_block())
    if edits is not None:
        edits(vm.state)
    receipts: list[ReceiptAPI] = []
    computations: list[ComputationAPI] = []
    included: list[SignedTransactionAPI] = []
    rejected: list[Rejected] = []
    current = header
    for tx in txs:
        snapshot = vm.state.snapshot()
        try:
            # py-evm's own checks (nonce, funds) first: apply_transaction runs them only after locking
            # the journal, where our snapshot is gone and a nonce gap in the pool broke the block
            vm.state.validate_transaction(tx)
            receipt, computation = vm.apply_transaction(current, tx)
        except ValidationError as exc:
            vm.state.revert(snapshot)
            rejected.append(Rejected(tx, str(exc)))
            continue
        current = vm.increment_blob_gas_used(vm.add_receipt_to_header(current, receipt), tx)
        receipts.append(receipt)
        computations.append(computation)
        included.append(tx)
    roots = {
        "transaction_root": ordered_trie_root([tx.encode() for tx in included]),
        "receipt_root": ordered_trie_root([r.encode() for r in receipts]),
    }
    filled = vm.get_block().copy(transactions=included, header=current.copy(**roots))
    sealed = vm.finalize_block(vm.pack_block(filled, timestamp=timestamp, mix_hash=mix_hash)).block
    chain.chaindb.persist_block(sealed)
    return MinedBlock(sealed, tuple(receipts), tuple(computations)), tuple(rejected)


def pending_header(chain: _Chain) -> BlockHeaderAPI:
    """The header the next block starts from (base fee, gas limit, number)."""
    return chain.create_header_from_parent(chain.get_canonical_head())


def rewind(chain: _Chain, db: AtomicDatabaseAPI, to_number: int) -> None:
    """Make block ``to_number`` the canonical head again (evm_revert). Later blocks stay in the key-value
    data as orphans; py-evm replaces their number lookups when the next blocks take their numbers, and
    nothing above the head is served (the façade checks numbers against the head)."""
    target = chain.get_canonical_block_header_by_number(BlockNumber(to_number))
    db[SchemaV1.make_canonical_head_hash_lookup_key()] = target.hash


def header_at(chain: _Chain, number: int) -> BlockHeaderAPI:
    return chain.get_canonical_block_header_by_number(BlockNumber(number))


def state_at(chain: _Chain, header: BlockHeaderAPI) -> StateAPI:
    """A state to read from at ``header``'s post-state (reads only: never persisted)."""
    return chain.get_vm(header).state


def accounts_at(db: AtomicDatabaseAPI, state_root: bytes) -> AccountDB:
    """Balances, nonces, code and storage at a state root, without building a VM (reads only)."""
    return AccountDB(db, Hash32(state_root))


def blob_base_fee(header: BlockHeaderAPI) -> int:
    return int(
        fake_exponential(MIN_BLOB_BASE_FEE, header.excess_blob_gas, BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE)
    )


def next_blob_base_fee(header: BlockHeaderAPI) -> int:
    """The blob base fee of the block after ``header`` (from the excess blob gas it leaves)."""
    return blob_base_fee(header.copy(excess_blob_gas=calc_excess_blob_gas_prague(header)))


def decode_transaction(chain: _Chain, raw: bytes) -> SignedTransactionAPI:
    return PragueVM.get_transaction_builder().decode(raw)


def decode_header(encoded: bytes) -> BlockHeaderAPI:
    return cast(BlockHeaderAPI, rlp.decode(encoded, sedes=PragueBackwardsHeader))  # pyrlp is untyped


def encode_header(header: BlockHeaderAPI) -> bytes:
    return cast(bytes, rlp.encode(header))  # pyrlp is untyped


def now() -> int:
    return int(time.time())
