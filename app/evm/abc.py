"""``ChainAPI``: what the rest of the service may ask of the chain (as py-evm's ``eth/abc.py`` states its
``ChainAPI`` and ``VirtualMachineAPI``).

The JSON-RPC (``app.evm.rpc``), the contract service, the web layer, the registry and the oracles hold a
``ChainAPI`` and nothing else of the node; ``app.evm.node.chain.Chain`` is the one implementation, built only
by the composition roots (``app/main.py``, ``app/cli/``). Headers, transactions and account views are
py-evm's own objects (typed ``Any`` here so that this module pulls in no py-evm).

Threads: every method is safe to call from any thread. ``lock`` is the chain's reentrant lock: hold it to
read several things as of one head (no block is mined in between), as ``eth_getBalance`` does with the
header it resolves and the account it reads. Listeners and hooks run on the thread that mines, under it.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from app.config import Settings
    from app.evm.errors import EvmError
    from app.evm.execution.accesslist import AccessListResult
    from app.evm.execution.call_context import CallOutcome, StateOverride
    from app.evm.execution.head_state import HeadState
    from app.evm.execution.proofs import AccountProof
    from app.evm.node.genesis.accounts import DevAccount
    from app.evm.storage.records import BlockRecord, LogRecord, TxRecord
    from app.evm.storage.rewind import RewindHook, RewindRecorder, RewindReport


@dataclass(frozen=True, slots=True)
class LogQuery:
    from_block: int
    to_block: int
    addresses: tuple[bytes, ...] = ()
    topics: tuple[tuple[bytes, ...] | None, ...] = ()  # per position: None = any, else OR of values
    block_hash: bytes | None = None


# told of every committed block, after its SQL transaction committed
BlockListener = Callable[["BlockRecord", Sequence["TxRecord"]], None]
# told of transactions as they are accepted, before any block holds them; must not block
PendingListener = Callable[[Sequence[Any]], None]
# runs inside the SQL transaction that commits the block holding the transaction: both commit or neither
MinedHook = Callable[["Connection", "TxRecord"], None]
# runs inside the block's SQL transaction after the transactions' own hooks, with the whole block; a raise
# rolls the block back
BlockHook = Callable[["Connection", "BlockRecord", Sequence["TxRecord"]], None]


class ChainAPI(ABC):
    """One chain: a single writer that commits each block in one SQL transaction, readers of what is
    committed, and read-only calls on states of their own."""

    chain_id: int
    settings: Settings
    engine: Engine  # the database the chain commits to (services with tables of their own read it too)
    accounts: tuple[DevAccount, ...]  # the dev accounts whose keys the node holds (none in production)
    lock: threading.RLock

    # -- heads and state -----------------------------------------------------------------------------
    @property
    @abstractmethod
    def head(self) -> Any:
        """The newest committed block's header."""

    @property
    @abstractmethod
    def head_number(self) -> int:
        """The newest committed block's number, readable without the lock (on an event loop)."""

    @abstractmethod
    def cached_head(self) -> Any | None:
        """The head's header when it is at hand (not while a block is being mined): never waits."""

    @abstractmethod
    def head_state(self) -> HeadState:
        """The newest committed block's accounts and storage (balance, nonce, code, storage), read without
        the lock from committed trie nodes; replaced after every committed block and every rewind, so one
        object always answers as of one block (app/evm/execution/head_state.py)."""

    @abstractmethod
    def header(self, number: int) -> Any:
        """The canonical header at ``number``; ``BlockNotFound`` past the head."""

    @abstractmethod
    def header_by_hash(self, block_hash: bytes) -> Any:
        """The header of the block with ``block_hash``; ``BlockNotFound`` for none."""

    @abstractmethod
    def block_hash(self, number: int) -> bytes: ...

    @abstractmethod
    def state(self, header: Any) -> Any:
        """A full py-evm state at ``header`` (throwaway: edits are never persisted)."""

    @abstractmethod
    def account_view(self, header: Any) -> Any:
        """A cheap read-only view of accounts at ``header``: get_balance, get_nonce, get_code, get_storage."""

    @abstractmethod
    def account_proof(self, address: bytes, slots: Sequence[int], header: Any) -> AccountProof:
        """EIP-1186: the trie nodes proving ``address`` and its ``slots`` against ``header``'s state root."""

    # -- blocks, transactions, logs -------------------------------------------------------------------
    @abstractmethod
    def transaction(self, tx_hash: bytes) -> TxRecord | None:
        """A mined transaction with its receipt, or None."""

    @abstractmethod
    def is_recent(self, tx_hash: bytes) -> bool:
        """Mined lately: its record is in memory (no lock, no query needed to read it)."""

    @abstractmethod
    def block_rows(self, number: int) -> tuple[Any, list[TxRecord]]:
        """Block ``number``'s header and its transactions in order."""

    @abstractmethod
    def logs(self, query: LogQuery) -> list[LogRecord]:
        """The logs ``query`` selects, oldest first; ``InvalidParams`` past ``max_logs`` results."""

    # -- the pending pool and transactions --------------------------------------------------------------
    @abstractmethod
    def next_base_fee(self) -> int:
        """The base fee of the block to be mined next."""

    @abstractmethod
    def pending_nonce(self, address: bytes) -> int:
        """The next nonce of ``address``, counting its queued transactions up to the first gap."""

    @abstractmethod
    def pending_transactions(self) -> list[Any]:
        """The transactions waiting for a block (a copy), in arrival order."""

    @abstractmethod
    def known(self, tx_hash: bytes) -> bool:
        """Pending or just mined."""

    @abstractmethod
    def decode_transaction(self, raw: bytes) -> Any:
        """A signed transaction from its raw bytes; ``InvalidParams`` when they decode to none."""

    @abstractmethod
    def signer(self, address: bytes) -> Any:
        """The dev account holding ``address``'s key; ``UnknownAccount`` when the node has none."""

    @abstractmethod
    def send_raw_transaction(self, raw: bytes, on_mined: MinedHook | None = None) -> bytes:
        """Decode, validate and accept a signed transaction; returns its hash."""

    @abstractmethod
    def send_transaction(self, params: dict[str, Any], on_mined: MinedHook | None = None) -> bytes:
        """Fill in, sign (with a dev key or as an impersonated sender) and accept a transaction."""

    @abstractmethod
    def submit(self, tx: Any, on_mined: MinedHook | None = None) -> bytes:
        """Validate and accept a signed transaction. ``on_mined`` runs inside the SQL transaction that
        commits the block holding it."""

    @abstractmethod
    def submit_many(self, txs: Sequence[Any]) -> list[bytes | EvmError]:
        """Accept several signed transactions at once (with automine they share one block); each one's
        hash, or the ``EvmError`` that refused it."""

    @abstractmethod
    def drop_pending(self, tx_hash: bytes) -> bool:
        """Remove a pending transaction; False when none has that hash."""

    # -- calls and traces -------------------------------------------------------------------------------
    @abstractmethod
    def call(
        self, params: dict[str, Any], header: Any | None, overrides: Sequence[StateOverride] = ()
    ) -> CallOutcome:
        """A read-only call at ``header`` (the head when None), without holding up blocks or other calls."""

    @abstractmethod
    def call_now(self, params: dict[str, Any], header: Any, budget: float) -> CallOutcome | None:
        """``call`` without ever waiting: None when a block is being mined or it needs over ``budget`` s."""

    @abstractmethod
    def estimate_gas(self, params: dict[str, Any], header: Any | None) -> int:
        """The least gas limit with which the transaction succeeds."""

    @abstractmethod
    def create_access_list(self, params: dict[str, Any], header: Any) -> AccessListResult:
        """EIP-2930: the addresses and slots a call touches and the gas it uses sent with them."""

    @abstractmethod
    def trace_call(self, params: dict[str, Any], header: Any, with_log: bool) -> dict[str, Any]:
        """The call's top frame as geth's ``callTracer`` gives it."""

    @abstractmethod
    def trace_transaction(self, tx_hash: bytes, with_log: bool) -> dict[str, Any] | None:
        """A mined transaction replayed, as ``trace_call``; None when no such transaction was mined."""

    # -- mining and dev controls ------------------------------------------------------------------------
    @property
    @abstractmethod
    def automine(self) -> bool:
        """One block per accepted transaction (else blocks come from ``mine`` or the interval)."""

    @abstractmethod
    def set_automine(self, enabled: bool) -> None:
        """Automine on or off; switching it on mines what is pending, in one block."""

    @abstractmethod
    def set_interval(self, seconds: float) -> None:
        """Mine a block every ``seconds`` with whatever is pending (0 stops it); automine goes off."""

    @abstractmethod
    def mine(self, blocks: int = 1, timestamp: int | None = None) -> list[BlockRecord]:
        """Mine ``blocks`` blocks of what is pending, the first at ``timestamp`` when given."""

    @abstractmethod
    def set_balance(self, address: bytes, wei: int) -> None: ...

    @abstractmethod
    def set_code(self, address: bytes, code: bytes) -> None: ...

    @abstractmethod
    def set_nonce(self, address: bytes, nonce: int) -> None: ...

    @abstractmethod
    def set_storage(self, address: bytes, slot: int, value: int) -> None: ...

    @abstractmethod
    def set_next_header(self, **fields: Any) -> None:
        """Header fields of the next block: gas_limit, coinbase, base_fee_per_gas."""

    @abstractmethod
    def impersonate(self, address: bytes, enabled: bool = True) -> None:
        """Let ``eth_sendTransaction`` from ``address`` work without its key (or stop it)."""

    @abstractmethod
    def set_auto_impersonate(self, enabled: bool) -> None:
        """Impersonate every sender whose key the node lacks."""

    # -- the clock, snapshots and rewinds ---------------------------------------------------------------
    @property
    @abstractmethod
    def time_offset(self) -> int:
        """Seconds the chain's clock runs ahead of wall time."""

    @abstractmethod
    def set_next_timestamp(self, timestamp: int) -> None:
        """The next block's timestamp; the blocks after it count on from it."""

    @abstractmethod
    def increase_time(self, seconds: int) -> int:
        """The next block comes ``seconds`` after the latest; returns the clock's offset from wall time."""

    @abstractmethod
    def snapshot(self) -> int:
        """Remember the head and the clock; returns an id for ``revert``."""

    @abstractmethod
    def revert(self, snapshot_id: int) -> bool:
        """Back to a snapshot (it and later ones are used up); False for an unknown id."""

    @abstractmethod
    def rewind_to(self, number: int, *, reason: str) -> RewindReport:
        """Make block ``number`` the head again, removing the later blocks and every row they wrote."""

    @abstractmethod
    def reset(self) -> None:
        """Back to genesis in the same database, with the dev settings the node started with."""

    # -- listeners and hooks ----------------------------------------------------------------------------
    @abstractmethod
    def add_block_listener(self, listener: BlockListener) -> None: ...

    @abstractmethod
    def remove_block_listener(self, listener: BlockListener) -> None:
        """Stop telling ``listener`` of blocks (nothing happens when it was not listening)."""

    @abstractmethod
    def add_pending_listener(self, listener: PendingListener) -> None: ...

    @abstractmethod
    def add_default_mined_hook(self, hook: MinedHook) -> None:
        """Run ``hook`` in the block's SQL transaction for every transaction without a hook of its own."""

    @abstractmethod
    def add_block_hook(self, hook: BlockHook) -> None:
        """Run ``hook`` in every block's SQL transaction with the whole block (once, however often added)."""

    @abstractmethod
    def add_rewind_hook(self, hook: RewindHook) -> None:
        """Run ``hook`` in a rewind's SQL transaction with the kept block's number (once, however often
        it is added)."""

    @abstractmethod
    def add_rewind_recorder(self, recorder: RewindRecorder) -> None:
        """Tell ``recorder`` what a whole rewind removed, in its SQL transaction."""

    @abstractmethod
    def close(self) -> None:
        """Stop the interval miner and release the store and the writer lock."""
