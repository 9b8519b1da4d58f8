"""The chain's single writer: the pending pool, transaction intake and validation, block building, state
edits outside transactions, the chain's clock, and rewinds. Every public method takes the chain lock. A
block is built in memory (py-evm writes into the store's overlay), then its key-value writes and rows
commit in one SQL transaction; only then does anyone see the block or get a receipt. If the commit fails,
the overlay is dropped and the reader reads the head again from the last committed one."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, delete, select

from app.config import Settings
from app.evm.abc import BlockHook, BlockListener, MinedHook, PendingListener
from app.evm.errors import EvmError, InvalidParams, InvalidTransaction, UnknownAccount
from app.evm.execution import pyevm
from app.evm.execution.mined import records_from_block
from app.evm.execution.state_store import SqlStateStore
from app.evm.node import impersonation
from app.evm.node.calls import CallRunner
from app.evm.node.reader import ChainReader
from app.evm.node.txvalidation import validate_transaction
from app.evm.storage import records
from app.evm.storage.models import BlockRow, ChainMeta, LogRow, TransactionRow
from app.evm.storage.records import BlockRecord
from app.evm.storage.rewind import RewindHook, RewindRecorder, RewindReport


class BlockWriter:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        chain_id: int,
        py_chain: Any,
        store: SqlStateStore,
        reader: ChainReader,
        calls: CallRunner,
        keys: dict[bytes, Any],
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.chain_id = chain_id
        self.lock = reader.lock
        self.py_chain = py_chain
        self.store = store
        self.reader = reader
        self.calls = calls
        self._keys = keys
        # eth_sendTransaction from these works without their key (anvil_impersonateAccount; dev only)
        self.impersonating: set[bytes] = set()
        self.auto_impersonate = False
        self.automine = settings.automine
        self.pool: list[Any] = []
        self.listeners: list[BlockListener] = []
        # told of transactions as they are accepted, before any block holds them (pending filters and
        # subscriptions); called under the chain lock, so they must not block
        self.pending_listeners: list[PendingListener] = []
        self._pending_header: Any = None
        self._hooks: dict[bytes, MinedHook] = {}
        # run in the block's transaction for each transaction with no hook of its own (add_default_mined_hook)
        self.default_hooks: list[MinedHook] = []
        # then in the block's transaction with the whole block (add_block_hook): a raise rolls it back
        self.block_hooks: list[BlockHook] = []
        # run in the SQL transaction of a rewind (evm_revert, anvil_reset) with the kept block's number:
        # each removes the rows the removed blocks wrote (contract registry, tokenization...) and says what
        self.rewind_hooks: list[RewindHook] = []
        # then these see what the whole rewind removed (the audit trail records it as an entry of its own)
        self.rewind_recorders: list[RewindRecorder] = []
        self.next_timestamp: int | None = None
        self.time_offset = self._load_time_offset()

    def next_base_fee(self) -> int:
        with self.lock:
            return int(self._pending().base_fee_per_gas)

    def pending_nonce(self, address: bytes) -> int:
        with self.lock:
            nonce = self.reader.account_view(self.reader.head).get_nonce(address)
            waiting = {tx.nonce for tx in self.pool if tx.sender == address}
            while nonce in waiting:  # up to the first gap: a queued transaction after it waits for it
                nonce += 1
            return int(nonce)

    def decode_transaction(self, raw: bytes) -> Any:
        try:
            return pyevm.decode_transaction(self.py_chain, raw)
        except Exception as exc:  # rlp / typed-envelope decoding errors of every kind
            raise InvalidParams(f"failed to decode signed transaction: {exc}") from exc

    # -- writes ------------------------------------------------------------------------------------------
    def send_raw_transaction(self, raw: bytes, on_mined: MinedHook | None = None) -> bytes:
        return self.submit(self.decode_transaction(raw), on_mined)

    def signer(self, address: bytes) -> Any:
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
                params["gas"]
                if "gas" in params
                else self.calls.estimate_gas({**params, "from": sender}, None)
            )
            if account is None:  # a fake signature that names the sender (app/evm/node/impersonation.py)
                return self.submit(impersonation.build(tx, sender, self.chain_id), on_mined)
            raw = bytes(account.sign_transaction(tx).raw_transaction)
            return self.send_raw_transaction(raw, on_mined)

    def submit(self, tx: Any, on_mined: MinedHook | None = None) -> bytes:
        """``on_mined`` runs inside the SQL transaction that commits the block holding ``tx`` (e.g. a
        registry row and its audit entry): both commit or neither."""
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
            pending = self._pending()
            accounts = self.reader.account_view(self.reader.head)
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
        return self.reader.is_recent(tx_hash) or any(t.hash == tx_hash for t in self.pool)

    def _pending(self) -> Any:
        if self._pending_header is None:
            self._pending_header = pyevm.pending_header(self.py_chain)
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
                state = self.reader.account_view(self.reader.head)
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

    def set_next_header(self, **fields: Any) -> None:
        """Header fields of the next block (evm_setBlockGasLimit: gas_limit, anvil_setCoinbase: coinbase,
        anvil_setNextBlockBaseFeePerGas: base_fee_per_gas). Later blocks inherit the gas limit and the
        coinbase from their parent, and compute their base fee from it."""
        with self.lock:
            self._pending_header = self._pending().copy(**fields)

    # -- internals ---------------------------------------------------------------------------------------
    def _timestamp(self, parent: Any, requested: int | None) -> int:
        parent_time: int = parent.timestamp
        if requested is not None:
            if requested <= parent_time:
                raise InvalidParams(f"timestamp {requested} must be after the parent's {parent_time}")
            return requested
        if self.next_timestamp is not None:
            return max(self.next_timestamp, parent_time + 1)
        return max(int(time.time()) + self.time_offset, parent_time + 1)

    def _mine(
        self, txs: Sequence[Any], *, timestamp: int | None = None, edits: Callable[[Any], None] | None = None
    ) -> tuple[BlockRecord, tuple[pyevm.Rejected, ...]]:
        parent = self.reader.head
        ts = self._timestamp(parent, timestamp)
        # a timestamp the user chose (evm_mine's, evm_setNextBlockTimestamp's) is where the clock now
        # stands: later blocks count on from it, as on anvil and Hardhat
        pinned = timestamp is not None or self.next_timestamp is not None
        offset = ts - int(time.time()) if pinned else self.time_offset
        try:
            mined, rejected = pyevm.mine(
                self.py_chain,
                txs,
                timestamp=ts,
                mix_hash=os.urandom(32),
                edits=edits,
                header=self._pending_header,
            )
            self.reader.forget_head()  # the hooks below read the new head (not yet committed)
            block, txrecs = records_from_block(mined)
            with self.engine.begin() as conn:
                self.store.flush(conn)
                records.insert_block(conn, block, txrecs, mined.block.header)
                if pinned:
                    self.save_meta("time_offset", str(offset), conn)
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
            self._pending_header = None
            self.reader.forget_head()
            raise
        self.store.committed()
        self._pending_header = None
        self.reader.advanced(mined.block.header, txrecs)
        if pinned:
            self.time_offset, self.next_timestamp = offset, None
        self.calls.new_head()
        for t in txrecs:
            self._hooks.pop(t.hash, None)
        for listener in list(self.listeners):
            listener(block, txrecs)
        return block, rejected

    def rewind_to(self, number: int, *, reason: str) -> RewindReport:
        """Make block ``number`` the head again, in one SQL transaction: the later blocks, their
        transactions and logs, and every row a ``rewind_hooks`` entry removes for them; then
        ``rewind_recorders`` record what went. Pending transactions are dropped. evm_revert uses it, and
        anvil_reset can (``number=0``)."""
        with self.lock:
            old_head = self.reader.head.block_number
            if not 0 <= number <= old_head:
                raise InvalidParams(f"cannot rewind to block {number}: the head is {old_head}")
            return self._rewind(number, old_head, reason)

    def _rewind(self, number: int, old_head: int, reason: str) -> RewindReport:
        try:
            pyevm.rewind(self.py_chain, self.store, number)
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
            self._pending_header = None
            self.reader.forget_head()
            raise
        self.store.committed()
        self._pending_header = None
        self.reader.rewound(number)
        self.calls.new_head()
        self.pool.clear()
        self._hooks.clear()  # the mined hooks of dropped pending transactions
        return report

    def _load_time_offset(self) -> int:
        with self.engine.connect() as conn:
            v = conn.execute(select(ChainMeta.value).where(ChainMeta.name == "time_offset")).scalar()
        return int(v) if v is not None else 0

    def save_meta(self, name: str, value: str, conn: Connection | None = None) -> None:
        if conn is None:
            with self.engine.begin() as own:
                self.save_meta(name, value, own)
            return
        conn.execute(delete(ChainMeta).where(ChainMeta.name == name))
        conn.execute(ChainMeta.__table__.insert().values(name=name, value=value))


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
