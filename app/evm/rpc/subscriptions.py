"""eth_subscribe fan-out: newHeads and logs notifications for every committed block, and
newPendingTransactions for every transaction the chain accepts (before its block).

The chain calls ``on_block`` in the mining thread right after the commit. Formatting happens once per
block; delivery is a non-blocking put into each subscriber's bounded queue, so a slow or vanished
subscriber never delays mining: when its queue is full it is dropped (its connection is closed)."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.evm.abc import ChainAPI, LogQuery
from app.evm.errors import InvalidParams
from app.evm.execution.pyevm import decode_header
from app.evm.rpc.formatting import block_json, log_json
from app.evm.storage.records import BlockRecord, LogRecord, TxRecord

Deliver = Callable[[dict[str, Any]], bool]  # returns False when the subscriber cannot keep up


@dataclass(slots=True)
class Subscription:
    sid: str
    kind: str
    deliver: Deliver
    query: LogQuery | None = None
    owner: object = None
    dead: bool = field(default=False)


def _matches(q: LogQuery, log_record: LogRecord) -> bool:
    if q.addresses and log_record.address not in q.addresses:
        return False
    for pos, wanted in enumerate(q.topics):
        if wanted and (pos >= len(log_record.topics) or log_record.topics[pos] not in wanted):
            return False
    return True


class SubscriptionHub:
    def __init__(self, chain: ChainAPI, per_owner_limit: int = 100) -> None:
        self.chain = chain
        self.per_owner_limit = per_owner_limit
        self._subs: dict[str, Subscription] = {}
        self._lock = threading.Lock()
        chain.add_block_listener(self.on_block)
        chain.add_pending_listener(self.on_pending)

    def subscribe(self, owner: object, kind: str, deliver: Deliver, query: LogQuery | None = None) -> str:
        if kind not in ("newHeads", "logs", "newPendingTransactions"):
            raise InvalidParams(
                f"unsupported subscription type {kind!r}: use newHeads, logs or newPendingTransactions"
            )
        with self._lock:
            if sum(1 for s in self._subs.values() if s.owner is owner) >= self.per_owner_limit:
                raise InvalidParams(
                    f"too many subscriptions on this connection (limit {self.per_owner_limit})"
                )
            sid = "0x" + secrets.token_hex(16)
            self._subs[sid] = Subscription(sid, kind, deliver, query, owner)
            return sid

    def unsubscribe(self, owner: object, sid: Any) -> bool:
        with self._lock:
            sub = self._subs.get(sid) if isinstance(sid, str) else None
            if sub is None or sub.owner is not owner:
                return False
            del self._subs[sid]
            return True

    def drop_owner(self, owner: object) -> None:
        with self._lock:
            for sid in [k for k, s in self._subs.items() if s.owner is owner]:
                del self._subs[sid]

    def on_pending(self, txs: Sequence[Any]) -> None:
        """newPendingTransactions: each accepted transaction's hash, before its block (under the chain
        lock: delivery never blocks)."""
        with self._lock:
            subs = [s for s in self._subs.values() if s.kind == "newPendingTransactions"]
        for sub in subs:
            ok = True
            for tx in txs:
                ok = sub.deliver(_note(sub.sid, "0x" + bytes(tx.hash).hex())) and ok
            if not ok:
                self.drop_owner(sub.owner)

    def on_block(self, block: BlockRecord, txs: Sequence[TxRecord]) -> None:
        with self._lock:
            subs = list(self._subs.values())
        if not subs:
            return
        head = None
        logs = [log_record for t in txs for log_record in t.logs]
        for sub in subs:
            if sub.kind == "newPendingTransactions":
                continue
            if sub.kind == "newHeads":
                if head is None:
                    head = block_json(decode_header(block.header_rlp), [], False, 0)
                    del head["transactions"], head["uncles"], head["size"]
                    head.pop("withdrawals", None)
                ok = sub.deliver(_note(sub.sid, head))
            else:
                ok = True
                for log_record in logs:
                    if sub.query is None or _matches(sub.query, log_record):
                        ok = sub.deliver(_note(sub.sid, log_json(log_record))) and ok
            if not ok:
                self.drop_owner(sub.owner)


def _note(sid: str, result: dict[str, Any] | str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "method": "eth_subscription", "params": {"subscription": sid, "result": result}}
