"""The chain façade: one writer, one SQL transaction per mined block, reads for the JSON-RPC.

Every public method takes the chain lock, so the store, the pending pool and py-evm's objects are only
ever touched by one thread at a time. A block is built in memory (py-evm writes into the store's
overlay), then its key-value writes and relational rows commit in one SQL transaction; only after that
commit does anyone see the block or get a receipt. If the commit fails, the overlay is dropped and the
chain object is reset to the last committed head.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, select

from app.config import Settings
from app.evm.errors import (
    BlockNotFound,
    EvmError,
    ExecutionTimeout,
    InvalidParams,
    InvalidTransaction,
    UnknownAccount,
)
from app.evm.execution import pyevm
from app.evm.execution.mined import records_from_block
from app.evm.execution.state_store import SqlStateStore
from app.evm.node import genesis as genesis_mod
from app.evm.node import impersonation
from app.evm.node.accounts import DevAccount, dev_accounts
from app.evm.node.txvalidation import validate_transaction
from app.evm.node.writer_lock import WriterLock
from app.evm.storage import records
from app.evm.storage.models import BlockRow, ChainMeta, LogRow, TransactionRow
from app.evm.storage.records import BlockRecord, LogRecord, TxRecord
from app.evm.storage.rewind import RewindHook, RewindRecorder, RewindReport

_RECENT = 4096  # receipts kept in memory for the clients that poll right after sending
_IDLE_CALL_STATES = 8  # call states kept for reuse (about as many as the JSON-RPC threads)


@dataclass(frozen=True, slots=True)
class LogQuery:
    from_block: int
    to_block: int
    addresses: tuple[bytes, ...] = ()
    topics: tuple[tuple[bytes, ...] | None, ...] = ()  # per position: None = any, else OR of values
    block_hash: bytes | None = None


BlockListener = Callable[[BlockRecord, Sequence[TxRecord]], None]
MinedHook = Callable[[Connection, TxRecord], None]
BlockHook = Callable[[Connection, BlockRecord, Sequence[TxRecord]], None]


class Chain:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.chain_id = settings.chain_id
        self.lock = threading.RLock()
        self.writer = WriterLock(engine)
        self.store = SqlStateStore(engine)
        self.store.preload(settings.state_cache_rows)
        self.accounts: tuple[DevAccount, ...] = (
            () if settings.production else dev_accounts(settings.dev_mnemonic, settings.dev_accounts)
        )
        self._keys = {a.address: a.account for a in self.accounts}
        # eth_sendTransaction from these works without their key (anvil_impersonateAccount; dev only)
        self.impersonating: set[bytes] = set()
        self.auto_impersonate = False
        try:  # the dev defaults, or AURIGRAPH_GENESIS_FILE; never another genesis than the database's own
            self.genesis = genesis_mod.resolve(settings, tuple(a.address for a in self.accounts))
            self.chain_id = self.genesis.chain_id
            self._chain, created = genesis_mod.open_chain(self.store, self.genesis)
            if not created:
                with engine.begin() as conn:
                    genesis_mod.verify(conn, self.genesis, pyevm.header_at(self._chain, 0).hash)
        except BaseException:
            self.store.close()
            self.writer.release()
            raise
        self._call_chain = pyevm.chain_class(self.chain_id, for_calls=True)(self.store)
        self.automine = settings.automine
        self.pool: list[Any] = []
        self._recent: OrderedDict[bytes, TxRecord] = OrderedDict()
        self._snapshots: dict[int, tuple[int, int]] = {}
        self._next_snapshot = 0
        self.listeners: list[BlockListener] = []
        # told of transactions as they are accepted, before any block holds them (pending filters and
        # subscriptions); called under the chain lock, so they must not block
        self.pending_listeners: list[Callable[[Sequence[Any]], None]] = []
        # idle call states for the head (each call takes one, so calls on several threads never share a
        # state); dropped with every new block
        self._call_ctxs: list[pyevm.CallContext] = []
        self._pending_header: Any = None
        self._head: Any = None
        self._hooks: dict[bytes, MinedHook] = {}
        # run in the block's transaction for every transaction without a hook of its own (e.g. recording
        # contracts deployed over JSON-RPC in the registry, with their audit entry)
        self.default_hooks: list[MinedHook] = []
        # run in the block's transaction after every transaction's own hook, with the whole block (e.g. the
        # registry indexing a tokenized asset's events, whoever sent them): a raise rolls the block back
        self.block_hooks: list[BlockHook] = []
        # run in the SQL transaction of a rewind (evm_revert, anvil_reset) with the kept block's number:
        # each removes the rows the removed blocks wrote (contract registry, tokenization...) and says what
        self.rewind_hooks: list[RewindHook] = []
        # then these see what the whole rewind removed (the audit trail records it as an entry of its own)
        self.rewind_recorders: list[RewindRecorder] = []
        self._next_timestamp: int | None = None
        self._interval = 0.0
        self._ticker: threading.Thread | None = None
        self._closed = threading.Event()
        if created:
            genesis = self._chain.get_canonical_head()
            with engine.begin() as conn:
                self.store.flush(conn)
                records.insert_block(
                    conn, BlockRecord(0, genesis.hash, pyevm.encode_header(genesis), ()), (), genesis
                )
                genesis_mod.remember(conn, self.genesis, genesis.hash)
            self.store.committed()
        self.time_offset = self._load_time_offset()
        # the newest committed block's number, readable without the lock (eth_blockNumber on the event loop)
        self.head_number: int = self._chain.get_canonical_head().block_number

    # -- reads: heads and state ------------------------------------------------------------------------
    @property
    def head(self) -> Any:
        head = self._head  # cached between blocks: every RPC read starts here
        if head is None:
            with self.lock:
                head = self._head = self._chain.get_canonical_head()
        return head

    def header(self, number: int) -> Any:
        with self.lock:
            head = self.head
            if number == head.block_number:
                return head
            if number < 0 or number > head.block_number:
                raise BlockNotFound(f"block {number} not found")
            return pyevm.header_at(self._chain, number)

    def header_by_hash(self, block_hash: bytes) -> Any:
        with self.lock:
            with self.engine.connect() as conn:
                n = conn.execute(select(BlockRow.number).where(BlockRow.hash == block_hash)).scalar()
            if n is None:
                raise BlockNotFound(f"block 0x{block_hash.hex()} not found")
            return self.header(n)

    def state(self, header: Any) -> Any:
        """A full py-evm state at ``header`` (throwaway: edits are never persisted)."""
        return pyevm.state_at(self._chain, header)

    def account_view(self, header: Any) -> Any:
        """Cheap read-only view of accounts at ``header`` (get_balance, get_nonce, get_code, get_storage)."""
        return pyevm.accounts_at(self.store, header.state_root)

    def next_base_fee(self) -> int:
        with self.lock:
            return int(self._pending().base_fee_per_gas)

    def pending_nonce(self, address: bytes) -> int:
        with self.lock:
            nonce = self.account_view(self.head).get_nonce(address)
            waiting = {tx.nonce for tx in self.pool if tx.sender == address}
            while nonce in waiting:  # up to the first gap: a queued transaction after it waits for it
                nonce += 1
            return int(nonce)

    # -- writes ------------------------------------------------------------------------------------------
    def send_raw_transaction(self, raw: bytes, on_mined: MinedHook | None = None) -> bytes:
        try:
            tx = pyevm.decode_transaction(self._chain, raw)
        except Exception as exc:  # rlp / typed-envelope decoding errors of every kind
            raise InvalidParams(f"failed to decode signed transaction: {exc}") from exc
        return self.submit(tx, on_mined)

    def signer(self, address: bytes) -> Any:
        """The dev account holding ``address``'s key (none in production)."""
        account = self._keys.get(address)
        if account is None:
            raise UnknownAccount(
                f"no key for account 0x{address.hex()}: only the dev accounts (eth_accounts) can sign here"
            )
        return account

    def send_transaction(self, params: dict[str, Any], on_mined: MinedHook | None = None) -> bytes:
        sender = params["from"]
        impersonated = sender not in self._keys and (self.auto_impersonate or sender in self.impersonating)
        account = None if impersonated else self.signer(sender)
        with self.lock:
            tx: dict[str, Any] = {
                "chainId": self.chain_id,
                "nonce": params.get("nonce", self.pending_nonce(sender)),
                "value": params.get("value", 0),
                "data": params.get("data", b""),
            }
            if params.get("to") is not None:
                tx["to"] = params["to"]
            if "gasPrice" in params:
                tx["gasPrice"] = params["gasPrice"]
            else:
                tip = params.get("maxPriorityFeePerGas", 10**9)
                tx["maxPriorityFeePerGas"] = tip
                tx["maxFeePerGas"] = params.get("maxFeePerGas", 2 * self.next_base_fee() + tip)
            if "accessList" in params:
                tx["accessList"] = params["accessList"]
            tx["gas"] = (
                params["gas"] if "gas" in params else self.estimate_gas({**params, "from": sender}, None)
            )
            if account is None:  # a fake signature that names the sender (app/evm/node/impersonation.py)
                return self.submit(impersonation.build(tx, sender, self.chain_id), on_mined)
            raw = bytes(account.sign_transaction(tx).raw_transaction)
            return self.send_raw_transaction(raw, on_mined)

    def submit(self, tx: Any, on_mined: MinedHook | None = None) -> bytes:
        """Validate and accept a signed transaction. ``on_mined`` runs inside the SQL transaction that
        commits the block holding it (e.g. a registry row and its audit entry): both commit or neither."""
        with self.lock:
            if on_mined is not None:
                self._hooks[bytes(tx.hash)] = on_mined
            try:
                (result,) = self.submit_many([tx])
            except BaseException:
                self._hooks.pop(bytes(tx.hash), None)  # the block rolled back: nothing of it stays
                raise
            if isinstance(result, EvmError):
                self._hooks.pop(bytes(tx.hash), None)
                raise result
            return result

    def submit_many(self, txs: Sequence[Any]) -> list[bytes | EvmError]:
        """Accept several signed transactions at once (one JSON-RPC batch): each is validated as if the
        ones before it were mined, and with automine they share one block, as anvil does with a batch.
        Returns each one's hash, or the error that refused it."""
        with self.lock:
            head = self.head
            pending = self._pending()
            accounts = self.account_view(head)
            nonces: dict[bytes, int] = {}
            results: list[bytes | EvmError] = []
            accepted: list[Any] = []
            seen: set[bytes] = set()
            for tx in txs:
                try:
                    if self.known(tx.hash) or tx.hash in seen:
                        raise InvalidTransaction("already known")
                    sender = _sender_or_none(tx)
                    if sender and sender not in nonces:
                        nonces[sender] = (
                            self.pending_nonce(sender) if not self.automine else accounts.get_nonce(sender)
                        )
                    if sender:
                        accounts.set_nonce(sender, nonces[sender])
                    validate_transaction(
                        accounts,
                        tx,
                        base_fee=pending.base_fee_per_gas,
                        block_gas_limit=pending.gas_limit,
                        chain_id=self.chain_id,
                        blob_base_fee=pyevm.blob_base_fee(pending),
                        allow_future_nonce=not self.automine,
                    )
                except EvmError as exc:
                    results.append(exc)
                    continue
                nonces[tx.sender] = max(nonces[tx.sender], tx.nonce + 1)
                seen.add(bytes(tx.hash))
                accepted.append(tx)
                results.append(bytes(tx.hash))
            for listener in list(self.pending_listeners):
                listener(accepted)
            if not self.automine:
                self.pool.extend(accepted)
                return results
            refused: dict[bytes, str] = {}
            while accepted:
                _, rejected = self._mine(accepted)
                full = [r.tx for r in rejected if "gas limit" in r.reason.lower()]
                refused.update({bytes(r.tx.hash): r.reason for r in rejected if r.tx not in full})
                if len(full) == len(accepted):  # nothing fitted: give up rather than loop
                    refused.update({bytes(t.hash): "exceeds block gas limit" for t in full})
                    break
                accepted = full
            return [
                InvalidTransaction(refused[r]) if isinstance(r, bytes) and r in refused else r
                for r in results
            ]

    def drop_pending(self, tx_hash: bytes) -> bool:
        """Remove a pending transaction (anvil_dropTransaction); False when none has that hash."""
        with self.lock:
            kept = [tx for tx in self.pool if bytes(tx.hash) != tx_hash]
            if len(kept) == len(self.pool):
                return False
            self.pool = kept
            self._hooks.pop(tx_hash, None)
            return True

    def known(self, tx_hash: bytes) -> bool:
        """Pending or just mined. Older replays are caught by the nonce check (nonce too low)."""
        return tx_hash in self._recent or any(t.hash == tx_hash for t in self.pool)

    def _pending(self) -> Any:
        if self._pending_header is None:
            self._pending_header = pyevm.pending_header(self._chain)
        return self._pending_header

    def mine(self, blocks: int = 1, timestamp: int | None = None) -> list[BlockRecord]:
        out = []
        with self.lock:
            for i in range(blocks):
                txs, self.pool = self.pool, []
                try:
                    block, rejected = self._mine(
                        sorted(txs, key=_nonce_order(txs)), timestamp=timestamp if i == 0 else None
                    )
                except BaseException:
                    self.pool = txs + self.pool  # the block rolled back: its transactions are pending again
                    raise
                # keep what may still be mined later (block full, a gap in nonces); drop the rest
                state = self.account_view(self.head)
                keep = [
                    r.tx for r in rejected if r.tx.nonce > state.get_nonce(r.tx.sender) or "gas" in r.reason
                ]
                for r in rejected:
                    if r.tx not in keep:
                        self._hooks.pop(bytes(r.tx.hash), None)
                self.pool.extend(keep)
                out.append(block)
        return out

    def edit_state(self, edit: Callable[[Any], None]) -> BlockRecord:
        """Change state outside any transaction (anvil_setBalance...). The change is recorded in a block of
        its own so that it is persisted and every block's state root stays true."""
        with self.lock:
            block, _ = self._mine([], edits=edit)
            return block

    def set_balance(self, address: bytes, wei: int) -> None:
        self.edit_state(lambda state: state.set_balance(address, wei))

    def set_code(self, address: bytes, code: bytes) -> None:
        self.edit_state(lambda state: state.set_code(address, code))

    def set_nonce(self, address: bytes, nonce: int) -> None:
        self.edit_state(lambda state: state.set_nonce(address, nonce))

    def set_storage(self, address: bytes, slot: int, value: int) -> None:
        self.edit_state(lambda state: state.set_storage(address, slot, value))

    def set_next_timestamp(self, timestamp: int) -> None:
        """The next block's timestamp (evm_setNextBlockTimestamp); the blocks after it count on from it."""
        with self.lock:
            latest = self.head.timestamp
            if timestamp <= latest:
                raise InvalidParams(
                    f"timestamp {timestamp} must be after the latest block's timestamp {latest}"
                )
            self._next_timestamp = timestamp

    def set_next_header(self, **fields: Any) -> None:
        """Header fields of the next block (evm_setBlockGasLimit: gas_limit, anvil_setCoinbase: coinbase,
        anvil_setNextBlockBaseFeePerGas: base_fee_per_gas). Later blocks inherit the gas limit and the
        coinbase from their parent, and compute their base fee from it."""
        with self.lock:
            self._pending_header = self._pending().copy(**fields)

    def reset(self) -> None:
        """anvil_reset: back to the genesis block in the same database (the later blocks and every row
        they wrote go, as on evm_revert), with the dev settings the node started with."""
        with self.lock:
            self.rewind_to(0, reason="anvil_reset")
            self._snapshots.clear()
            self._next_timestamp = None
            self.time_offset = 0
            self._save_meta("time_offset", "0")
            self.impersonating.clear()
            self.auto_impersonate = False
            self._interval = 0.0
            self.automine = self.settings.automine
            if self.settings.block_interval > 0:
                self.set_interval(self.settings.block_interval)

    def increase_time(self, seconds: int) -> int:
        """The next block comes ``seconds`` after the latest one (plus the wall time that passes), as on
        anvil and Hardhat. Blocks mined quickly run ahead of the clock (each is at least 1 s after its
        parent): the clock first catches up with the latest block, else that lead would swallow part of
        the increase. Returns the clock's offset from wall time."""
        with self.lock:
            lead = int(self.head.timestamp) - int(time.time())
            self.time_offset = max(self.time_offset, lead) + seconds
            self._save_meta("time_offset", str(self.time_offset))
            return self.time_offset

    def snapshot(self) -> int:
        with self.lock:
            sid = self._next_snapshot
            self._next_snapshot += 1
            self._snapshots[sid] = (self.head.block_number, self.time_offset)
            return sid

    def revert(self, sid: int) -> bool:
        with self.lock:
            if sid not in self._snapshots:
                return False
            number, offset = self._snapshots[sid]
            for k in [k for k in self._snapshots if k >= sid]:
                del self._snapshots[k]
            self.rewind_to(number, reason="evm_revert")
            self._next_timestamp = None
            self.time_offset = offset
            self._save_meta("time_offset", str(offset))
            return True

    # -- calls --------------------------------------------------------------------------------------------
    def call(
        self, params: dict[str, Any], header: Any | None, overrides: Sequence[pyevm.StateOverride] = ()
    ) -> pyevm.CallOutcome:
        """A read-only call. It runs without the chain lock, on a state of its own, so a long call (up to
        ``call_timeout_s``) holds up neither transactions nor other calls; it reads committed state only
        (the store's nodes are content-addressed and never deleted, so a block mined meanwhile changes
        nothing it reads)."""
        ctx = self._take_call_context(header if header is not None else self.head)
        try:
            return self._run_call(ctx, params, overrides=overrides)
        finally:
            self._give_back_call_context(ctx)

    def call_now(self, params: dict[str, Any], header: Any, budget: float) -> pyevm.CallOutcome | None:
        """``call``, on the caller's thread and without ever waiting: None when the chain lock is taken (a
        block is being mined) or the call needs more than ``budget`` seconds."""
        if not self.lock.acquire(blocking=False):
            return None
        try:
            ctx = self._take_call_context(header)
        finally:
            self.lock.release()
        try:
            return self._run_call(ctx, params, timeout=budget)
        except ExecutionTimeout:
            return None
        finally:
            self._give_back_call_context(ctx, wait=False)

    def cached_head(self) -> Any | None:
        """The head's header when it is at hand (not while a block is being mined): never waits."""
        return self._head

    def _take_call_context(self, header: Any) -> pyevm.CallContext:
        with self.lock:
            if self._call_ctxs and self._call_ctxs[-1].header.hash == header.hash:
                return self._call_ctxs.pop()
            return pyevm.CallContext(self._call_chain, header)

    def _give_back_call_context(self, ctx: pyevm.CallContext, wait: bool = True) -> None:
        if not self.lock.acquire(blocking=wait):
            return  # the chain is busy mining: the new block will drop idle states anyway
        try:
            if ctx.header.hash == self.head.hash and len(self._call_ctxs) < _IDLE_CALL_STATES:
                self._call_ctxs.append(ctx)
        finally:
            self.lock.release()

    def _run_call(
        self,
        ctx: pyevm.CallContext,
        params: dict[str, Any],
        timeout: float | None = None,
        overrides: Sequence[pyevm.StateOverride] = (),
    ) -> pyevm.CallOutcome:
        gas = min(params.get("gas", self.settings.rpc_gas_cap), self.settings.rpc_gas_cap)
        return ctx.run(
            sender=params.get("from") or b"\x00" * 20,
            to=params.get("to") or b"",
            data=params.get("data", b""),
            value=params.get("value", 0),
            gas=gas,
            gas_price=params.get("gasPrice", params.get("maxFeePerGas", 0)),
            timeout=self.settings.call_timeout_s if timeout is None else timeout,
            overrides=overrides,
        )

    def estimate_gas(self, params: dict[str, Any], header: Any | None) -> int:
        """Without the chain lock, as calls; every probe runs on the same block, even if one is mined."""
        from app.evm.node.gas import estimate

        return estimate(self, params, header if header is not None else self.head)

    # -- traces -------------------------------------------------------------------------------------------
    def trace_transaction(self, tx_hash: bytes, with_log: bool) -> dict[str, Any] | None:
        from app.evm.node.tracing import top_frame

        rec = self.transaction(tx_hash)
        if rec is None:
            return None
        with self.lock:
            header, recs = self.block_rows(rec.block_number)
            txs = [impersonation.decode_stored(r.raw, r.sender) for r in recs[: rec.tx_index + 1]]
        # replayed without the chain lock, on a state of its own (as calls): blocks go on being mined
        comp = pyevm.replay(self._chain, header, txs, self.settings.call_timeout_s * 4)
        tx = txs[-1]
        return top_frame(comp, tx.sender, rec.gas_used, tx.data, with_log)

    def trace_call(self, params: dict[str, Any], header: Any, with_log: bool) -> dict[str, Any]:
        from app.evm.node.tracing import top_frame

        with self.lock:
            ctx = pyevm.CallContext(self._call_chain, header, traced=True)
        outcome = self._run_call(ctx, params)  # without the chain lock, as ``call``
        sender = params.get("from") or b"\x00" * 20
        return top_frame(outcome.computation, sender, outcome.gas_used, params.get("data", b""), with_log)

    # -- reads: blocks, transactions, logs --------------------------------------------------------------
    def is_recent(self, tx_hash: bytes) -> bool:
        """Mined lately: its record is in memory (no lock, no query needed to read it)."""
        return tx_hash in self._recent

    def transaction(self, tx_hash: bytes) -> TxRecord | None:
        rec = self._recent.get(tx_hash)
        if rec is not None:
            return rec
        with self.engine.connect() as conn:
            return records.load_tx(conn, tx_hash)

    def block_rows(self, number: int) -> tuple[Any, list[TxRecord]]:
        header = self.header(number)
        with self.engine.connect() as conn:
            hashes = conn.execute(
                select(TransactionRow.hash)
                .where(TransactionRow.block_number == number)
                .order_by(TransactionRow.tx_index)
            ).scalars()
            txs = [self.transaction(h) for h in hashes]
        return header, [t for t in txs if t is not None]

    def block_hash(self, number: int) -> bytes:
        return bytes(self.header(number).hash)

    def logs(self, q: LogQuery) -> list[LogRecord]:
        if q.block_hash is not None:
            n = self.header_by_hash(q.block_hash).block_number
            q = LogQuery(n, n, q.addresses, q.topics)
        stmt = (
            select(LogRow.__table__, BlockRow.timestamp)
            .join(BlockRow, BlockRow.number == LogRow.block_number)
            .where(LogRow.block_number >= q.from_block, LogRow.block_number <= q.to_block)
        )
        if q.addresses:
            stmt = stmt.where(LogRow.address.in_(q.addresses))
        cols = (LogRow.topic0, LogRow.topic1, LogRow.topic2, LogRow.topic3)
        for pos, wanted in enumerate(q.topics[:4]):
            if wanted:
                stmt = stmt.where(cols[pos].in_(wanted))
        stmt = stmt.order_by(LogRow.block_number, LogRow.log_index).limit(self.settings.max_logs + 1)
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        if len(rows) > self.settings.max_logs:
            raise InvalidParams(
                f"query returned more than {self.settings.max_logs} results; narrow the block range"
            )
        return [records.log_from_row(r, r.timestamp) for r in rows]  # type: ignore[arg-type]

    # -- internals ---------------------------------------------------------------------------------------
    def _timestamp(self, parent: Any, requested: int | None) -> int:
        if requested is not None:
            if requested <= parent.timestamp:
                raise InvalidParams(f"timestamp {requested} must be after the parent's {parent.timestamp}")
            return requested
        if self._next_timestamp is not None:
            return max(self._next_timestamp, parent.timestamp + 1)
        return max(int(time.time()) + self.time_offset, parent.timestamp + 1)

    def _mine(
        self, txs: Sequence[Any], *, timestamp: int | None = None, edits: Callable[[Any], None] | None = None
    ) -> tuple[BlockRecord, tuple[pyevm.Rejected, ...]]:
        parent = self.head
        ts = self._timestamp(parent, timestamp)
        # a timestamp the user chose (evm_mine's, evm_setNextBlockTimestamp's) is where the clock now
        # stands: later blocks count on from it, as on anvil and Hardhat
        pinned = timestamp is not None or self._next_timestamp is not None
        offset = ts - int(time.time()) if pinned else self.time_offset
        try:
            mined, rejected = pyevm.mine(
                self._chain,
                txs,
                timestamp=ts,
                mix_hash=os.urandom(32),
                edits=edits,
                header=self._pending_header,
            )
            self._head = None  # the hooks below read the new head (not yet committed)
            block, txrecs = records_from_block(mined)
            with self.engine.begin() as conn:
                self.store.flush(conn)
                records.insert_block(conn, block, txrecs, mined.block.header)
                if pinned:
                    self._save_meta("time_offset", str(offset), conn)
                for t in txrecs:
                    hook = self._hooks.get(t.hash)
                    if hook is not None:
                        hook(conn, t)
                    else:
                        for default in self.default_hooks:
                            default(conn, t)
                for block_hook in self.block_hooks:
                    block_hook(conn, block, txrecs)
        except BaseException:
            self.store.discard()
            self._pending_header = self._head = None
            raise
        self.store.committed()
        self._pending_header, self._head = None, mined.block.header
        self.head_number = block.number
        if pinned:
            self.time_offset, self._next_timestamp = offset, None
        self._call_ctxs = []
        for t in txrecs:
            self._hooks.pop(t.hash, None)
            self._recent[t.hash] = t
        while len(self._recent) > _RECENT:
            self._recent.popitem(last=False)
        for listener in list(self.listeners):
            listener(block, txrecs)
        return block, rejected

    def rewind_to(self, number: int, *, reason: str) -> RewindReport:
        """Make block ``number`` the head again, in one SQL transaction: the later blocks, their
        transactions and logs, and every row a ``rewind_hooks`` entry removes for them; then
        ``rewind_recorders`` record what went. Pending transactions are dropped. evm_revert uses it, and
        anvil_reset can (``number=0``)."""
        with self.lock:
            old_head = self.head.block_number
            if not 0 <= number <= old_head:
                raise InvalidParams(f"cannot rewind to block {number}: the head is {old_head}")
            return self._rewind(number, old_head, reason)

    def _rewind(self, number: int, old_head: int, reason: str) -> RewindReport:
        try:
            pyevm.rewind(self._chain, self.store, number)
            with self.engine.begin() as conn:
                self.store.flush(conn)
                removed = conn.execute(
                    select(TransactionRow.hash)
                    .where(TransactionRow.block_number > number)
                    .order_by(TransactionRow.block_number, TransactionRow.tx_index)
                ).scalars()
                report = RewindReport(reason, number, old_head, tuple(bytes(h) for h in removed))
                for hook in self.rewind_hooks:
                    report.rewound.update(hook(conn, number) or {})
                conn.execute(delete(LogRow).where(LogRow.block_number > number))
                conn.execute(delete(TransactionRow).where(TransactionRow.block_number > number))
                conn.execute(delete(BlockRow).where(BlockRow.number > number))
                for recorder in self.rewind_recorders:
                    recorder(conn, report)
        except BaseException:
            self.store.discard()
            self.store.drop_cache()
            self._pending_header = self._head = None
            raise
        self.store.committed()
        self._pending_header = self._head = None
        self.head_number = number
        self._recent.clear()
        self._call_ctxs = []
        self.pool.clear()
        self._hooks.clear()  # the mined hooks of dropped pending transactions
        return report

    def _load_time_offset(self) -> int:
        with self.engine.connect() as conn:
            v = conn.execute(select(ChainMeta.value).where(ChainMeta.name == "time_offset")).scalar()
        return int(v) if v is not None else 0

    def _save_meta(self, name: str, value: str, conn: Connection | None = None) -> None:
        if conn is None:
            with self.engine.begin() as own:
                self._save_meta(name, value, own)
            return
        conn.execute(delete(ChainMeta).where(ChainMeta.name == name))
        conn.execute(ChainMeta.__table__.insert().values(name=name, value=value))

    # -- interval mining ---------------------------------------------------------------------------------
    def set_interval(self, seconds: float) -> None:
        """Mine a block every ``seconds`` with whatever is pending (0 stops it). Automine goes off while an
        interval is set, as in anvil."""
        with self.lock:
            self._interval = seconds
            if seconds > 0:
                self.automine = False
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
                self.mine(1)
            except Exception:  # a failed block is rolled back in _mine; keep the ticker alive
                import logging

                logging.getLogger(__name__).exception("interval block failed")

    def close(self) -> None:
        self._closed.set()
        with self.lock:
            self.store.close()
            self.writer.release()


def _nonce_order(txs: Sequence[Any]) -> Callable[[Any], tuple[int, int]]:
    """Arrival order, except that a sender's transactions go in nonce order."""
    first_seen: dict[bytes, int] = {}
    for i, tx in enumerate(txs):
        first_seen.setdefault(tx.sender, i)
    return lambda tx: (first_seen[tx.sender], tx.nonce)


def _sender_or_none(tx: Any) -> bytes | None:
    """The recovered sender, or None for a signature that recovers nothing (validation then says why)."""
    try:
        return bytes(tx.sender)
    except Exception:  # eth-keys raises several kinds for malformed signatures
        return None
