"""``Chain``: the node's ``ChainAPI`` (``app/evm/abc.py``), put together from its three parts — the
``ChainReader`` (reader.py), the ``CallRunner`` (calls.py) and the ``BlockWriter`` (writer.py), which share
one lock, one py-evm chain and one SQL state store — plus what a dev node adds on top: snapshots, the
clock controls, anvil_reset and the interval miner.

Only the composition roots (``app/main.py``, ``app/cli/``) build one; everyone else holds a ``ChainAPI``."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from app.config import Settings
from app.evm.abc import BlockHook, BlockListener, ChainAPI, LogQuery, MinedHook, PendingListener
from app.evm.errors import EvmError, InvalidParams
from app.evm.execution import pyevm
from app.evm.execution.accesslist import AccessListResult
from app.evm.execution.call_context import CallOutcome, StateOverride
from app.evm.execution.head_state import HeadState
from app.evm.execution.proofs import AccountProof
from app.evm.execution.state_store import SqlStateStore
from app.evm.node import genesis as genesis_mod
from app.evm.node.calls import CallRunner
from app.evm.node.genesis.accounts import DevAccount, dev_accounts
from app.evm.node.reader import ChainReader
from app.evm.node.writer import BlockWriter
from app.evm.node.writer_lock import WriterLock
from app.evm.storage import records
from app.evm.storage.records import BlockRecord, LogRecord, TxRecord
from app.evm.storage.rewind import RewindHook, RewindRecorder, RewindReport

__all__ = ["Chain", "LogQuery"]

log = logging.getLogger(__name__)


class Chain(ChainAPI):
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.chain_id = settings.chain_id
        self.lock = threading.RLock()
        self.writer_lock = WriterLock(engine)
        self.store = SqlStateStore(engine)
        self.store.preload(settings.state_cache_rows)
        self.accounts: tuple[DevAccount, ...] = (
            () if settings.production else dev_accounts(settings.dev_mnemonic, settings.dev_accounts)
        )
        try:  # the dev defaults, or AURIGRAPH_GENESIS_FILE; never another genesis than the database's own
            self.genesis = genesis_mod.resolve(settings, tuple(a.address for a in self.accounts))
            self.chain_id = self.genesis.chain_id
            py_chain, created = genesis_mod.open_chain(self.store, self.genesis)
            if not created:
                with engine.begin() as conn:
                    genesis_mod.verify(conn, self.genesis, pyevm.header_at(py_chain, 0).hash)
        except BaseException:
            self.store.close()
            self.writer_lock.release()
            raise
        if created:
            genesis = py_chain.get_canonical_head()
            with engine.begin() as conn:
                self.store.flush(conn)
                records.insert_block(
                    conn, BlockRecord(0, genesis.hash, pyevm.encode_header(genesis), ()), (), genesis
                )
                genesis_mod.remember(conn, self.genesis, genesis.hash)
            self.store.committed()
        self._chain = py_chain  # py-evm's chain object: for tests that reach into py-evm, never the service
        self.reader = ChainReader(engine, settings, self.lock, py_chain, self.store)
        self.calls = CallRunner(self.reader, self.store, self.chain_id, settings)
        keys = {a.address: a.account for a in self.accounts}
        self.writer = BlockWriter(
            engine, settings, self.chain_id, py_chain, self.store, self.reader, self.calls, keys
        )
        self._snapshots: dict[int, tuple[int, int]] = {}
        self._next_snapshot = 0
        self._interval = 0.0
        self._ticker: threading.Thread | None = None
        self._closed = threading.Event()

    # -- heads and state (the reader) -----------------------------------------------------------------
    @property
    def head(self) -> Any:
        return self.reader.head

    @property
    def head_number(self) -> int:
        return self.reader.head_number

    def cached_head(self) -> Any | None:
        return self.reader.cached_head()

    def head_state(self) -> HeadState:
        return self.reader.head_state()

    def header(self, number: int) -> Any:
        return self.reader.header(number)

    def header_by_hash(self, block_hash: bytes) -> Any:
        return self.reader.header_by_hash(block_hash)

    def block_hash(self, number: int) -> bytes:
        return self.reader.block_hash(number)

    def state(self, header: Any) -> Any:
        return self.reader.state(header)

    def account_view(self, header: Any) -> Any:
        return self.reader.account_view(header)

    def account_proof(self, address: bytes, slots: Sequence[int], header: Any) -> AccountProof:
        return self.reader.account_proof(address, slots, header)

    def transaction(self, tx_hash: bytes) -> TxRecord | None:
        return self.reader.transaction(tx_hash)

    def is_recent(self, tx_hash: bytes) -> bool:
        return self.reader.is_recent(tx_hash)

    def block_rows(self, number: int) -> tuple[Any, list[TxRecord]]:
        return self.reader.block_rows(number)

    def logs(self, query: LogQuery) -> list[LogRecord]:
        return self.reader.logs(query)

    # -- the pending pool and transactions (the writer) -----------------------------------------------
    def next_base_fee(self) -> int:
        return self.writer.next_base_fee()

    def pending_nonce(self, address: bytes) -> int:
        return self.writer.pending_nonce(address)

    def pending_transactions(self) -> list[Any]:
        return list(self.writer.pool)

    def known(self, tx_hash: bytes) -> bool:
        return self.writer.known(tx_hash)

    def decode_transaction(self, raw: bytes) -> Any:
        return self.writer.decode_transaction(raw)

    def signer(self, address: bytes) -> Any:
        return self.writer.signer(address)

    def send_raw_transaction(self, raw: bytes, on_mined: MinedHook | None = None) -> bytes:
        return self.writer.send_raw_transaction(raw, on_mined)

    def send_transaction(self, params: dict[str, Any], on_mined: MinedHook | None = None) -> bytes:
        return self.writer.send_transaction(params, on_mined)

    def submit(self, tx: Any, on_mined: MinedHook | None = None) -> bytes:
        return self.writer.submit(tx, on_mined)

    def submit_many(self, txs: Sequence[Any]) -> list[bytes | EvmError]:
        return self.writer.submit_many(txs)

    def drop_pending(self, tx_hash: bytes) -> bool:
        return self.writer.drop_pending(tx_hash)

    # -- calls and traces (the call runner) -----------------------------------------------------------
    def call(
        self, params: dict[str, Any], header: Any | None, overrides: Sequence[StateOverride] = ()
    ) -> CallOutcome:
        return self.calls.call(params, header, overrides)

    def call_now(self, params: dict[str, Any], header: Any, budget: float) -> CallOutcome | None:
        return self.calls.call_now(params, header, budget)

    def estimate_gas(self, params: dict[str, Any], header: Any | None) -> int:
        return self.calls.estimate_gas(params, header)

    def create_access_list(self, params: dict[str, Any], header: Any) -> AccessListResult:
        return self.calls.create_access_list(params, header)

    def trace_call(self, params: dict[str, Any], header: Any, with_log: bool) -> dict[str, Any]:
        return self.calls.trace_call(params, header, with_log)

    def trace_transaction(self, tx_hash: bytes, with_log: bool) -> dict[str, Any] | None:
        return self.calls.trace_transaction(tx_hash, with_log)

    # -- mining and state edits -----------------------------------------------------------------------
    @property
    def automine(self) -> bool:
        return self.writer.automine

    def set_automine(self, enabled: bool) -> None:
        with self.lock:
            self.writer.automine = enabled
            if enabled and self.writer.pool:
                self.writer.mine(1)

    def mine(self, blocks: int = 1, timestamp: int | None = None) -> list[BlockRecord]:
        return self.writer.mine(blocks, timestamp)

    def set_balance(self, address: bytes, wei: int) -> None:
        self.writer.edit_state(lambda state: state.set_balance(address, wei))

    def set_code(self, address: bytes, code: bytes) -> None:
        self.writer.edit_state(lambda state: state.set_code(address, code))

    def set_nonce(self, address: bytes, nonce: int) -> None:
        self.writer.edit_state(lambda state: state.set_nonce(address, nonce))

    def set_storage(self, address: bytes, slot: int, value: int) -> None:
        self.writer.edit_state(lambda state: state.set_storage(address, slot, value))

    def set_next_header(self, **fields: Any) -> None:
        self.writer.set_next_header(**fields)

    def impersonate(self, address: bytes, enabled: bool = True) -> None:
        with self.lock:
            if enabled:
                self.writer.impersonating.add(address)
            else:
                self.writer.impersonating.discard(address)

    def set_auto_impersonate(self, enabled: bool) -> None:
        with self.lock:
            self.writer.auto_impersonate = enabled

    # -- the clock, snapshots and rewinds -------------------------------------------------------------
    @property
    def time_offset(self) -> int:
        return self.writer.time_offset

    def set_next_timestamp(self, timestamp: int) -> None:
        """evm_setNextBlockTimestamp."""
        with self.lock:
            latest = self.reader.head.timestamp
            if timestamp <= latest:
                raise InvalidParams(
                    f"timestamp {timestamp} must be after the latest block's timestamp {latest}"
                )
            self.writer.next_timestamp = timestamp

    def increase_time(self, seconds: int) -> int:
        """The next block comes ``seconds`` after the latest one (plus the wall time that passes), as on
        anvil and Hardhat. Blocks mined quickly run ahead of the clock (each is at least 1 s after its
        parent): the clock first catches up with the latest block, else that lead would swallow part of
        the increase. Returns the clock's offset from wall time."""
        with self.lock:
            writer = self.writer
            lead = int(self.reader.head.timestamp) - int(time.time())
            writer.time_offset = max(writer.time_offset, lead) + seconds
            writer.save_meta("time_offset", str(writer.time_offset))
            return writer.time_offset

    def snapshot(self) -> int:
        with self.lock:
            sid = self._next_snapshot
            self._next_snapshot += 1
            self._snapshots[sid] = (self.reader.head.block_number, self.writer.time_offset)
            return sid

    def revert(self, snapshot_id: int) -> bool:
        with self.lock:
            if snapshot_id not in self._snapshots:
                return False
            number, offset = self._snapshots[snapshot_id]
            for k in [k for k in self._snapshots if k >= snapshot_id]:
                del self._snapshots[k]
            self.writer.rewind_to(number, reason="evm_revert")
            self.writer.next_timestamp = None
            self.writer.time_offset = offset
            self.writer.save_meta("time_offset", str(offset))
            return True

    def rewind_to(self, number: int, *, reason: str) -> RewindReport:
        return self.writer.rewind_to(number, reason=reason)

    def reset(self) -> None:
        """anvil_reset: back to the genesis block in the same database (the later blocks and every row
        they wrote go, as on evm_revert), with the dev settings the node started with."""
        with self.lock:
            writer = self.writer
            writer.rewind_to(0, reason="anvil_reset")
            self._snapshots.clear()
            writer.next_timestamp = None
            writer.time_offset = 0
            writer.save_meta("time_offset", "0")
            writer.impersonating.clear()
            writer.auto_impersonate = False
            self._interval = 0.0
            writer.automine = self.settings.automine
            if self.settings.block_interval > 0:
                self.set_interval(self.settings.block_interval)

    # -- listeners and hooks --------------------------------------------------------------------------
    def add_block_listener(self, listener: BlockListener) -> None:
        self.writer.listeners.append(listener)

    def remove_block_listener(self, listener: BlockListener) -> None:
        if listener in self.writer.listeners:
            self.writer.listeners.remove(listener)

    def add_pending_listener(self, listener: PendingListener) -> None:
        self.writer.pending_listeners.append(listener)

    def add_default_mined_hook(self, hook: MinedHook) -> None:
        self.writer.default_hooks.append(hook)

    def add_block_hook(self, hook: BlockHook) -> None:
        if hook not in self.writer.block_hooks:
            self.writer.block_hooks.append(hook)

    def add_rewind_hook(self, hook: RewindHook) -> None:
        if hook not in self.writer.rewind_hooks:
            self.writer.rewind_hooks.append(hook)

    def add_rewind_recorder(self, recorder: RewindRecorder) -> None:
        self.writer.rewind_recorders.append(recorder)

    # -- interval mining ------------------------------------------------------------------------------
    def set_interval(self, seconds: float) -> None:
        """Mine a block every ``seconds`` with whatever is pending (0 stops it). Automine goes off while an
        interval is set, as in anvil."""
        with self.lock:
            self._interval = seconds
            if seconds > 0:
                self.writer.automine = False
                if self._ticker is None or not self._ticker.is_alive():
                    self._ticker = threading.Thread(target=self._tick, name="interval-miner", daemon=True)
                    self._ticker.start()

    def _tick(self) -> None:
        while not self._closed.is_set():
            interval = self._interval
            if interval <= 0:
                return
            if self._closed.wait(interval):
                return
            try:
                self.writer.mine(1)
            except Exception:  # a failed block is rolled back in the writer; keep the ticker alive
                log.exception("interval block failed")

    def close(self) -> None:
        self._closed.set()
        with self.lock:
            self.store.close()
            self.writer_lock.release()
