"""The chain's reads: headers, state at a block, mined transactions, logs (from the SQL rows the writer
committed), and the head cache and recent receipts the writer keeps current.

Reads take the chain lock only where py-evm's objects are touched (a block being mined writes into the
store's overlay); SQL reads see committed rows only."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, select

from app.config import Settings
from app.evm.abc import LogQuery
from app.evm.errors import BlockNotFound, InvalidParams
from app.evm.execution import pyevm
from app.evm.execution.head_state import HeadState
from app.evm.execution.proofs import AccountProof, account_proof
from app.evm.execution.state_store import SqlStateStore
from app.evm.storage import records
from app.evm.storage.models import BlockRow, LogRow, TransactionRow
from app.evm.storage.records import LogRecord, TxRecord

_RECENT = 4096  # receipts kept in memory for the clients that poll right after sending


class ChainReader:
    def __init__(
        self, engine: Engine, settings: Settings, lock: threading.RLock, py_chain: Any, store: SqlStateStore
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.lock = lock
        self.py_chain = py_chain
        self.store = store
        self._recent: OrderedDict[bytes, TxRecord] = OrderedDict()
        self._head: Any = None
        # the newest committed block's number, readable without the lock (eth_blockNumber on the event loop)
        committed = py_chain.get_canonical_head()
        self.head_number: int = committed.block_number
        # its accounts and storage, readable without the lock: replaced only once a block has committed
        self._head_state = HeadState(committed, store.committed_node)

    # -- heads and state --------------------------------------------------------------------------------
    @property
    def head(self) -> Any:
        head = self._head  # cached between blocks: every RPC read starts here
        if head is None:
            with self.lock:
                head = self._head = self.py_chain.get_canonical_head()
        return head

    def cached_head(self) -> Any | None:
        return self._head

    def head_state(self) -> HeadState:
        return self._head_state

    def header(self, number: int) -> Any:
        with self.lock:
            head = self.head
            if number == head.block_number:
                return head
            if number < 0 or number > head.block_number:
                raise BlockNotFound(f"block {number} not found")
            return pyevm.header_at(self.py_chain, number)

    def header_by_hash(self, block_hash: bytes) -> Any:
        with self.lock:
            with self.engine.connect() as conn:
                n = conn.execute(select(BlockRow.number).where(BlockRow.hash == block_hash)).scalar()
            if n is None:
                raise BlockNotFound(f"block 0x{block_hash.hex()} not found")
            return self.header(n)

    def block_hash(self, number: int) -> bytes:
        return bytes(self.header(number).hash)

    def state(self, header: Any) -> Any:
        return pyevm.state_at(self.py_chain, header)

    def account_view(self, header: Any) -> Any:
        return pyevm.accounts_at(self.store, header.state_root)

    def account_proof(self, address: bytes, slots: Sequence[int], header: Any) -> AccountProof:
        with self.lock:
            return account_proof(self.store, header.state_root, address, slots)

    # -- blocks, transactions, logs ---------------------------------------------------------------------
    def is_recent(self, tx_hash: bytes) -> bool:
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
        # a Core row of log_row columns has every attribute log_from_row reads from a LogRow
        return [records.log_from_row(r, r.timestamp) for r in rows]  # type: ignore[arg-type]  # see above

    # -- kept current by the writer -----------------------------------------------------------------------
    def forget_head(self) -> None:
        """The head is changing (a block is being committed or was rolled back): read it again."""
        self._head = None

    def advanced(self, header: Any, txs: Sequence[TxRecord]) -> None:
        """A block committed: it is the head, and its transactions are recent."""
        self._head = header
        self.head_number = header.block_number
        self._head_state = HeadState(header, self.store.committed_node)
        for t in txs:
            self._recent[t.hash] = t
        while len(self._recent) > _RECENT:
            self._recent.popitem(last=False)

    def rewound(self, number: int) -> None:
        """The chain was rewound to block ``number``: nothing mined lately is there any more. (The writer
        calls this under the chain lock once the rewind committed.)"""
        self._head = None
        self.head_number = number
        self._head_state = HeadState(self.py_chain.get_canonical_head(), self.store.committed_node)
        self._recent.clear()
