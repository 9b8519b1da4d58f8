"""The call runner: read-only calls, gas estimates, access lists and call traces.

A call runs without the chain lock, on a state of its own, so a long call (up to ``call_timeout_s``) holds
up neither transactions nor other calls; it reads committed state only (the store's nodes are
content-addressed and never deleted, so a block mined meanwhile changes nothing it reads). Idle call states
for the head are kept for reuse and dropped with every new block."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from app.config import Settings
from app.evm.errors import ExecutionTimeout
from app.evm.execution import pyevm
from app.evm.execution.accesslist import AccessListResult, create_access_list
from app.evm.execution.call_context import CallContext, CallOutcome, StateOverride
from app.evm.execution.state_store import SqlStateStore
from app.evm.node import impersonation
from app.evm.node.gas import estimate
from app.evm.node.reader import ChainReader
from app.evm.node.tracing import top_frame

_IDLE_CALL_STATES = 8  # call states kept for reuse (about as many as the JSON-RPC threads)


class CallRunner:
    def __init__(self, reader: ChainReader, store: SqlStateStore, chain_id: int, settings: Settings) -> None:
        self.reader = reader
        self.store = store
        self.chain_id = chain_id
        self.settings = settings
        self.lock: threading.RLock = reader.lock
        self._call_chain = pyevm.chain_class(chain_id, for_calls=True)(store)
        # idle call states for the head (each call takes one, so calls on several threads never share a
        # state); dropped with every new block
        self._idle: list[CallContext] = []

    def new_head(self) -> None:
        """A block was mined or the chain rewound: idle states are for an old head."""
        self._idle = []

    def call(
        self, params: dict[str, Any], header: Any | None, overrides: Sequence[StateOverride] = ()
    ) -> CallOutcome:
        ctx = self._take(header if header is not None else self.reader.head)
        try:
            return self._run(ctx, params, overrides=overrides)
        finally:
            self._give_back(ctx)

    def call_now(self, params: dict[str, Any], header: Any, budget: float) -> CallOutcome | None:
        if not self.lock.acquire(blocking=False):
            return None
        try:
            ctx = self._take(header)
        finally:
            self.lock.release()
        try:
            return self._run(ctx, params, timeout=budget)
        except ExecutionTimeout:
            return None
        finally:
            self._give_back(ctx, wait=False)

    def estimate_gas(self, params: dict[str, Any], header: Any | None) -> int:
        """Without the chain lock, as calls; every probe runs on the same block, even if one is mined."""
        header = header if header is not None else self.reader.head
        return estimate(self.call, self.settings.rpc_gas_cap, params, header)

    def create_access_list(self, params: dict[str, Any], header: Any) -> AccessListResult:
        return create_access_list(
            self.store,
            self.chain_id,
            params,
            header,
            gas_cap=self.settings.rpc_gas_cap,
            timeout=self.settings.call_timeout_s,
        )

    # -- traces -------------------------------------------------------------------------------------------
    def trace_transaction(self, tx_hash: bytes, with_log: bool) -> dict[str, Any] | None:
        rec = self.reader.transaction(tx_hash)
        if rec is None:
            return None
        with self.lock:
            header, recs = self.reader.block_rows(rec.block_number)
            txs = [impersonation.decode_stored(r.raw, r.sender) for r in recs[: rec.tx_index + 1]]
        # replayed without the chain lock, on a state of its own (as calls): blocks go on being mined
        comp = pyevm.replay(self.reader.py_chain, header, txs, self.settings.call_timeout_s * 4)
        tx = txs[-1]
        return top_frame(comp, tx.sender, rec.gas_used, tx.data, with_log)

    def trace_call(self, params: dict[str, Any], header: Any, with_log: bool) -> dict[str, Any]:
        with self.lock:
            ctx = CallContext(self._call_chain, header, traced=True)
        outcome = self._run(ctx, params)  # without the chain lock, as ``call``
        sender = params.get("from") or b"\x00" * 20
        return top_frame(outcome.computation, sender, outcome.gas_used, params.get("data", b""), with_log)

    # -- call states --------------------------------------------------------------------------------------
    def _take(self, header: Any) -> CallContext:
        with self.lock:
            if self._idle and self._idle[-1].header.hash == header.hash:
                return self._idle.pop()
            return CallContext(self._call_chain, header)

    def _give_back(self, ctx: CallContext, wait: bool = True) -> None:
        if not self.lock.acquire(blocking=wait):
            return  # the chain is busy mining: the new block will drop idle states anyway
        try:
            if ctx.header.hash == self.reader.head.hash and len(self._idle) < _IDLE_CALL_STATES:
                self._idle.append(ctx)
        finally:
            self.lock.release()

    def _run(
        self,
        ctx: CallContext,
        params: dict[str, Any],
        timeout: float | None = None,
        overrides: Sequence[StateOverride] = (),
    ) -> CallOutcome:
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
