"""The pending pool as dev tools see it: pending-transaction filters (``eth_newPendingTransactionFilter``),
``txpool_status``/``content``/``inspect`` (geth's and anvil's shapes) and ``anvil_dropTransaction``.

A transaction is pending from the moment the chain accepts it until its block: with automine that is the
instant before its block is mined, with automine off until ``evm_mine`` (or the interval) mines it. The
chain tells ``pending_listeners`` of each accepted transaction; every pending filter keeps the hashes
since its last poll in a bounded buffer (a filter that is never polled forgets the oldest)."""

from __future__ import annotations

import threading
import weakref
from collections import deque
from collections.abc import Sequence
from typing import Any

from app.evm import hexcodec
from app.evm.abc import ChainAPI
from app.evm.hexcodec import addr, hex_data, hex_quantity
from app.evm.rpc.filters import Filter, FilterRegistry
from app.evm.rpc.formatting import tx_json

BUFFER_LIMIT = 10_000  # hashes kept for one pending filter between polls


class PendingBuffer:
    __slots__ = ("__weakref__", "_hashes", "_lock")

    def __init__(self) -> None:
        self._hashes: deque[bytes] = deque(maxlen=BUFFER_LIMIT)
        self._lock = threading.Lock()

    def add(self, hashes: Sequence[bytes]) -> None:
        with self._lock:
            self._hashes.extend(hashes)

    def drain(self) -> list[str]:
        with self._lock:
            out = ["0x" + h.hex() for h in self._hashes]
            self._hashes.clear()
            return out


class PendingFeed:
    """Hands every accepted transaction's hash to the live pending filters (a filter uninstalled or expired
    is garbage, and leaves the weak set by itself)."""

    def __init__(self, chain: ChainAPI) -> None:
        self._buffers: weakref.WeakSet[PendingBuffer] = weakref.WeakSet()
        chain.add_pending_listener(self.on_pending)

    def new_buffer(self) -> PendingBuffer:
        buffer = PendingBuffer()
        self._buffers.add(buffer)
        return buffer

    def on_pending(self, txs: Sequence[Any]) -> None:
        hashes = [bytes(tx.hash) for tx in txs]
        for buffer in list(self._buffers):
            buffer.add(hashes)


class TxPoolMethods:
    chain: ChainAPI
    filters: FilterRegistry
    _pending_feed: PendingFeed | None = None

    ALIASES = {"hardhat_dropTransaction": "anvil_dropTransaction"}
    DEV_ONLY = frozenset(("anvil_dropTransaction", "txpool_status", "txpool_content", "txpool_inspect"))

    def rpc_eth_newPendingTransactionFilter(self) -> str:
        with self.chain.lock:  # one feed per node, made on first use
            if self._pending_feed is None:
                self._pending_feed = PendingFeed(self.chain)
            buffer = self._pending_feed.new_buffer()
        return self.filters.add(Filter("pending", self.chain.head.block_number, buffer))

    def pending_changes(self, f: Filter) -> list[str]:
        """eth_getFilterChanges of a pending filter: the hashes accepted since the last poll."""
        assert isinstance(f.criteria, PendingBuffer)
        return f.criteria.drain()

    def rpc_anvil_dropTransaction(self, tx_hash: Any) -> str | None:
        """Remove a waiting transaction; its hash, or null when none has it. As on anvil, dropping a ready
        transaction also drops the sender's ready ones after it (they can no longer be mined); a queued
        one (after a nonce gap) goes alone (anvil cannot drop those)."""
        h = hexcodec.hash32(tx_hash, "transaction hash")
        with self.chain.lock:
            pending, _ = self._split()
            dropped = next((tx for tx in pending if bytes(tx.hash) == h), None)
            later = [
                bytes(tx.hash)
                for tx in pending
                if dropped is not None and tx.sender == dropped.sender and tx.nonce > dropped.nonce
            ]
            found = self.chain.drop_pending(h)
            for other in later:
                self.chain.drop_pending(other)
        return hex_data(h) if found else None

    def rpc_txpool_status(self) -> dict[str, str]:
        pending, queued = self._split()
        return {"pending": hex_quantity(len(pending)), "queued": hex_quantity(len(queued))}

    def rpc_txpool_content(self) -> dict[str, Any]:
        return self._by_sender(lambda tx: tx_json(tx, self.chain.chain_id))

    def rpc_txpool_inspect(self) -> dict[str, Any]:
        def summary(tx: Any) -> str:
            to = addr(tx.to) if tx.to else "contract creation"
            price = tx.gas_price if getattr(tx, "type_id", None) in (None, 1) else tx.max_fee_per_gas
            return f"{to}: {tx.value} wei + {tx.gas} gas × {price} wei"

        return self._by_sender(summary)

    def _by_sender(self, render: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, txs in zip(("pending", "queued"), self._split(), strict=True):
            group: dict[str, dict[str, Any]] = {}
            for tx in txs:
                group.setdefault("0x" + bytes(tx.sender).hex(), {})[str(tx.nonce)] = render(tx)
            out[name] = group
        return out

    def _split(self) -> tuple[list[Any], list[Any]]:
        """Pending: each sender's transactions that follow its nonce without a gap; queued: the rest."""
        with self.chain.lock:
            pool = self.chain.pending_transactions()
            state = self.chain.account_view(self.chain.head)
            nonces = {bytes(tx.sender): int(state.get_nonce(tx.sender)) for tx in pool}
        pending, queued = [], []
        for tx in sorted(pool, key=lambda t: (bytes(t.sender), t.nonce)):
            sender = bytes(tx.sender)
            if tx.nonce == nonces[sender]:
                pending.append(tx)
                nonces[sender] += 1
            else:
                queued.append(tx)
        return pending, queued
