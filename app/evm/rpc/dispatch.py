"""``Rpc``: the JSON-RPC dispatcher over the chain's interface, transport-free: ``handle(request_obj)`` takes
one decoded JSON-RPC request and returns the response object (app/api/rpc.py carries it over HTTP and
WebSocket). It gathers the namespaces — ``eth_`` (eth.py), the dev-node ``evm_``/``anvil_``/``hardhat_``
methods and the node's identity (dev.py and its mixins) — and adds ``debug_`` (call traces), the
production allow-list, batches and the event-loop fast paths (``instant``, ``call_now``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from app.evm import hexcodec
from app.evm.abc import ChainAPI
from app.evm.errors import EvmError, InvalidParams
from app.evm.rpc.dev import DevMethods
from app.evm.rpc.eth import AT_HEAD, HEAD_READS, EthMethods, call_output, head_read
from app.evm.rpc.filters import FilterRegistry

log = logging.getLogger(__name__)

CALL_NOW_BUDGET_S = 0.01  # an eth_call answered on the event loop may hold it this long at most
Method = Callable[..., Any]


class DebugMethods:
    chain: ChainAPI

    def _header(self, tag: Any) -> Any:  # provided by EthMethods
        raise NotImplementedError

    # -- traces -----------------------------------------------------------------------------------------
    def rpc_debug_traceTransaction(self, tx_hash: Any, config: Any = None) -> dict[str, Any]:
        from app.evm.node.tracing import check_config

        with_log = check_config(config)
        out = self.chain.trace_transaction(hexcodec.hash32(tx_hash, "transaction hash"), with_log)
        if out is None:
            raise InvalidParams("transaction not found")
        return out

    def rpc_debug_traceCall(self, tx: Any, tag: Any = "latest", config: Any = None) -> dict[str, Any]:
        from app.evm.node.tracing import check_config

        with_log = check_config(config)
        return self.chain.trace_call(hexcodec.tx_request(tx), self._header(tag), with_log)


class Rpc(EthMethods, DebugMethods, DevMethods):
    # answered without the chain lock, the database or any real work (constants, the committed head's
    # number): safe to answer on a server's event loop
    INSTANT = frozenset(("web3_clientVersion", "net_version", "eth_chainId", "eth_blockNumber"))
    # The methods a production node answers (AURIGRAPH_ENV=production): one not named here is off there,
    # so every new method is dev-only until it is added. debug_* are on in production only with
    # AURIGRAPH_RPC_DEBUG. Some are defined in the dev-node mixins (eth_getProof, eth_createAccessList,
    # eth_newPendingTransactionFilter, eth_getAccountInfo); eth_subscribe lives in app/api/ws.py.
    PUBLIC = frozenset(
        (
            "web3_clientVersion",
            "web3_sha3",
            "net_version",
            "net_listening",
            "eth_chainId",
            "eth_syncing",
            "eth_blockNumber",
            "eth_accounts",  # always empty in production: no dev accounts
            "eth_coinbase",
            "eth_gasPrice",
            "eth_maxPriorityFeePerGas",
            "eth_blobBaseFee",
            "eth_feeHistory",
            "eth_getBalance",
            "eth_getTransactionCount",
            "eth_getCode",
            "eth_getStorageAt",
            "eth_getProof",
            "eth_getAccountInfo",
            "eth_call",
            "eth_estimateGas",
            "eth_createAccessList",
            "eth_sendRawTransaction",
            "eth_getBlockByNumber",
            "eth_getBlockByHash",
            "eth_getBlockTransactionCountByNumber",
            "eth_getBlockTransactionCountByHash",
            "eth_getTransactionByBlockNumberAndIndex",
            "eth_getTransactionByBlockHashAndIndex",
            "eth_getBlockReceipts",
            "eth_getTransactionByHash",
            "eth_getTransactionReceipt",
            "eth_getLogs",
            "eth_newFilter",
            "eth_newBlockFilter",
            "eth_newPendingTransactionFilter",
            "eth_getFilterChanges",
            "eth_getFilterLogs",
            "eth_uninstallFilter",
        )
    )
    ALIASES = {
        **DevMethods.ALIASES,
        "hardhat_setBalance": "anvil_setBalance",
        "hardhat_mine": "anvil_mine",
    }

    def __init__(self, chain: ChainAPI) -> None:
        self.chain = chain
        self.filters = FilterRegistry(chain.settings.max_filters)
        self.methods: dict[str, Method] = {
            name[4:]: getattr(self, name) for name in dir(self) if name.startswith("rpc_")
        }
        for alias, name in self.ALIASES.items():
            self.methods[alias] = self.methods[name]
        if chain.settings.production:  # an allow-list: what is not in PUBLIC is off
            debug = chain.settings.rpc_debug
            self.methods = {
                name: fn
                for name, fn in self.methods.items()
                if name in self.PUBLIC or (debug and name.startswith("debug_"))
            }

    # -- dispatch ---------------------------------------------------------------------------------------
    def instant(self, req: Any) -> bool:
        """Whether ``req`` can be answered at once, without the chain lock or the database: safe on a
        server's event loop. Constants, the committed head's number, and the receipt or transaction of a
        block mined lately (clients poll for those right after sending)."""
        if not isinstance(req, dict):
            return False
        method = req.get("method")
        if method in self.INSTANT:
            return True
        if method in ("eth_getTransactionReceipt", "eth_getTransactionByHash"):
            params = req.get("params")
            if isinstance(params, list) and len(params) == 1 and isinstance(params[0], str):
                try:
                    return self.chain.is_recent(hexcodec.hash32(params[0]))
                except EvmError:
                    return False
        return False

    def handle(self, req: Any) -> dict[str, Any] | None:
        if not isinstance(req, dict) or req.get("jsonrpc") != "2.0" or not isinstance(req.get("method"), str):
            rid = req.get("id") if isinstance(req, dict) else None
            return _error(rid, -32600, "invalid request: expected a JSON-RPC 2.0 object with a method")
        rid = req.get("id")
        is_notification = "id" not in req
        method = self.methods.get(req["method"])
        if method is None:
            return _error(rid, -32601, f"the method {req['method'][:100]} does not exist/is not available")
        params = req.get("params", [])
        if not isinstance(params, list):
            return _error(rid, -32602, "invalid params: expected an array")
        try:
            result = method(*params)
        except TypeError as exc:
            if "positional argument" in str(exc):
                return _error(rid, -32602, f"invalid params for {req['method']}: {exc}")
            log.exception("rpc %s failed", req["method"])
            return _error(rid, -32603, "internal error")
        except EvmError as exc:
            return _error(rid, exc.rpc_code, exc.message, exc.data)
        except Exception:
            log.exception("rpc %s failed", req["method"])
            return _error(rid, -32603, "internal error")
        if is_notification:
            return None
        return {"jsonrpc": "2.0", "id": rid, "result": result}

    def handle_batch(self, reqs: list[Any]) -> list[dict[str, Any]]:
        """A batch, in order; consecutive eth_sendRawTransaction requests go to the chain together, so that
        with automine they share one block (as anvil mines a batch)."""
        out: list[dict[str, Any] | None] = []
        i = 0
        while i < len(reqs):
            j = i
            while j < len(reqs) and _is_raw_send(reqs[j]):
                j += 1
            if j - i >= 2 and "eth_sendRawTransaction" in self.methods:
                out.extend(self._send_many(reqs[i:j]))
                i = j
            else:
                out.append(self.handle(reqs[i]))
                i += 1
        return [r for r in out if r is not None]

    def _send_many(self, reqs: list[dict[str, Any]]) -> list[dict[str, Any] | None]:
        out: list[dict[str, Any] | None] = [None] * len(reqs)
        txs, where = [], []
        for k, req in enumerate(reqs):
            try:
                raw = hexcodec.data(req["params"][0], "raw transaction")
                txs.append(self.chain.decode_transaction(raw))
                where.append(k)
            except EvmError as exc:
                out[k] = _error(req.get("id"), exc.rpc_code, exc.message, exc.data)
        try:
            results = self.chain.submit_many(txs)
        except Exception:
            log.exception("batch of eth_sendRawTransaction failed")
            internal = EvmError("internal error")
            internal.rpc_code = -32603
            results = [internal for _ in txs]
        for k, res in zip(where, results, strict=True):
            rid = reqs[k].get("id")
            if isinstance(res, EvmError):
                out[k] = _error(rid, res.rpc_code, res.message, res.data)
            else:
                out[k] = {"jsonrpc": "2.0", "id": rid, "result": "0x" + res.hex()}
        return [o for k, o in enumerate(out) if "id" in reqs[k]]

    def read_now(self, req: Any) -> dict[str, Any] | None:
        """The answer to eth_getBalance, eth_getTransactionCount, eth_getCode or eth_getStorageAt of the
        latest block from the committed head's state (``ChainAPI.head_state``), on the caller's thread (a
        server's event loop): no chain lock, no py-evm state, no database. None when it cannot be given so
        (another block, the pending nonce, a trie node only in the database, a malformed request or a
        notification): the caller hands the request to a worker thread, which answers it as always."""
        method = req.get("method") if isinstance(req, dict) else None
        if not isinstance(method, str) or method not in HEAD_READS or method not in self.methods:
            return None
        params = req.get("params")
        width = 3 if method == "eth_getStorageAt" else 2
        if req.get("jsonrpc") != "2.0" or "id" not in req or not isinstance(params, list):
            return None
        if not width - 1 <= len(params) <= width:
            return None
        tag = params[width - 1] if len(params) == width else None
        if (tag is not None and tag not in AT_HEAD) or (
            tag == "pending" and width == 2 and "Count" in method
        ):
            return None
        try:
            address = hexcodec.address(params[0])
            slot = hexcodec.quantity(params[1], "storage slot") if width == 3 else None
            result = head_read(self.chain.head_state(), method, address, slot, in_memory_only=True)
        except (EvmError, LookupError):
            return None
        return {"jsonrpc": "2.0", "id": req["id"], "result": result}

    def call_now(self, req: Any) -> dict[str, Any] | None:
        """The answer to a plain ``eth_call`` on the latest block when it can be given at once, on the
        caller's thread (a server's event loop): the chain is not busy mining and the call finishes within
        ``CALL_NOW_BUDGET_S``. None otherwise: the caller then hands the request to a worker thread, where
        it runs again with the full time limit (a call that long re-runs, at most that budget wasted)."""
        if not isinstance(req, dict) or req.get("method") != "eth_call" or req.get("jsonrpc") != "2.0":
            return None
        params = req.get("params")
        if "id" not in req or not isinstance(params, list) or len(params) not in (1, 2):
            return None
        if params[1:] not in ([], ["latest"]):
            return None
        head = self.chain.cached_head()
        if head is None:  # a block is being mined
            return None
        try:
            outcome = self.chain.call_now(hexcodec.tx_request(params[0]), head, CALL_NOW_BUDGET_S)
            if outcome is None:
                return None
            return {"jsonrpc": "2.0", "id": req["id"], "result": call_output(outcome)}
        except EvmError as exc:
            return _error(req["id"], exc.rpc_code, exc.message, exc.data)


def _is_raw_send(req: Any) -> bool:
    return (
        isinstance(req, dict)
        and req.get("jsonrpc") == "2.0"
        and req.get("method") == "eth_sendRawTransaction"
        and isinstance(req.get("params"), list)
        and len(req["params"]) == 1
    )


def _error(rid: Any, code: int, message: str, data: Any = None) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        err["data"] = data
    return {"jsonrpc": "2.0", "id": rid, "error": err}
