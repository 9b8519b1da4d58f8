"""Ethereum JSON-RPC methods over the chain façade. Transport-free: ``handle(request_obj)`` takes one
decoded JSON-RPC request and returns the response object; app/api/rpc.py carries it over HTTP."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import rlp

from app.evm import hexcodec
from app.evm.abc import ChainAPI, LogQuery
from app.evm.errors import EvmError, InvalidParams
from app.evm.execution.pyevm import CallOutcome, StateOverride
from app.evm.hexcodec import hex_data, hex_quantity
from app.evm.node.gas import raise_for
from app.evm.node.impersonation import decode_stored
from app.evm.rpc.dev import DevMethods
from app.evm.rpc.devnode import client_version
from app.evm.rpc.filters import Filter, FilterRegistry
from app.evm.rpc.formatting import block_json, log_json, receipt_json, tx_json

log = logging.getLogger(__name__)
CLIENT_VERSION = "aurigraph/0.1.0/py-evm-0.12.1b1"
CALL_NOW_BUDGET_S = 0.01  # an eth_call answered on the event loop may hold it this long at most
Method = Callable[..., Any]


class Rpc(DevMethods):
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
            return _error(rid, exc.code, exc.message, exc.data)
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
                out[k] = _error(req.get("id"), exc.code, exc.message, exc.data)
        try:
            results = self.chain.submit_many(txs)
        except Exception:
            log.exception("batch of eth_sendRawTransaction failed")
            results = [EvmError("internal error") for _ in txs]
            for r in results:
                r.code = -32603
        for k, res in zip(where, results, strict=True):
            rid = reqs[k].get("id")
            if isinstance(res, EvmError):
                out[k] = _error(rid, res.code, res.message, res.data)
            else:
                out[k] = {"jsonrpc": "2.0", "id": rid, "result": "0x" + res.hex()}
        return [o for k, o in enumerate(out) if "id" in reqs[k]]

    # -- block tags -------------------------------------------------------------------------------------
    def _number(self, tag: Any) -> int:
        head = self.chain.head.block_number
        if tag is None or tag in ("latest", "pending", "safe", "finalized"):
            return head
        if tag == "earliest":
            return 0
        if isinstance(tag, dict):
            if "blockHash" in tag:
                return int(
                    self.chain.header_by_hash(hexcodec.hash32(tag["blockHash"], "blockHash")).block_number
                )
            if "blockNumber" in tag:
                return self._number(tag["blockNumber"])
            raise InvalidParams("invalid block parameter object")
        n = hexcodec.quantity(tag, "block number")
        if n > head:
            from app.evm.errors import BlockNotFound

            raise BlockNotFound("header not found")
        return n

    def _header(self, tag: Any) -> Any:
        return self.chain.header(self._number(tag))

    # -- web3 / net / eth basics ------------------------------------------------------------------------
    def rpc_web3_clientVersion(self) -> str:
        return client_version(self.chain.settings)  # anvil-compatible outside production (devnode.py)

    def rpc_web3_sha3(self, data: Any) -> str:
        from eth_utils import keccak

        return "0x" + keccak(hexcodec.data(data)).hex()

    def rpc_net_version(self) -> str:
        return str(self.chain.chain_id)

    def rpc_net_listening(self) -> bool:
        return True

    def rpc_eth_chainId(self) -> str:
        return hex_quantity(self.chain.chain_id)

    def rpc_eth_syncing(self) -> bool:
        return False

    def rpc_eth_blockNumber(self) -> str:
        return hex_quantity(self.chain.head_number)

    def rpc_eth_accounts(self) -> list[str]:
        return ["0x" + a.address.hex() for a in self.chain.accounts]

    def rpc_eth_coinbase(self) -> str:
        return "0x" + bytes(self.chain.head.coinbase).hex()

    def rpc_eth_gasPrice(self) -> str:
        return hex_quantity(self.chain.next_base_fee() + 10**9)

    def rpc_eth_maxPriorityFeePerGas(self) -> str:
        return hex_quantity(10**9)

    def rpc_eth_blobBaseFee(self) -> str:
        return hex_quantity(1)

    # -- state ------------------------------------------------------------------------------------------
    def rpc_eth_getBalance(self, address: Any, tag: Any = "latest") -> str:
        a = hexcodec.address(address)
        with self.chain.lock:
            return hex_quantity(self.chain.account_view(self._header(tag)).get_balance(a))

    def rpc_eth_getTransactionCount(self, address: Any, tag: Any = "latest") -> str:
        a = hexcodec.address(address)
        if tag == "pending":
            return hex_quantity(self.chain.pending_nonce(a))
        with self.chain.lock:
            return hex_quantity(self.chain.account_view(self._header(tag)).get_nonce(a))

    def rpc_eth_getCode(self, address: Any, tag: Any = "latest") -> str:
        a = hexcodec.address(address)
        with self.chain.lock:
            return "0x" + self.chain.account_view(self._header(tag)).get_code(a).hex()

    def rpc_eth_getStorageAt(self, address: Any, slot: Any, tag: Any = "latest") -> str:
        a = hexcodec.address(address)
        key = hexcodec.quantity(slot, "storage slot")
        with self.chain.lock:
            value = self.chain.account_view(self._header(tag)).get_storage(a, key)
        return "0x" + value.to_bytes(32, "big").hex()

    # -- execution --------------------------------------------------------------------------------------
    def rpc_eth_call(self, tx: Any, tag: Any = "latest", overrides: Any = None) -> str:
        params = hexcodec.tx_request(tx)
        return _output(self.chain.call(params, self._header(tag), state_overrides(overrides)))

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
            return {"jsonrpc": "2.0", "id": req["id"], "result": _output(outcome)}
        except EvmError as exc:
            return _error(req["id"], exc.code, exc.message, exc.data)

    def rpc_eth_estimateGas(self, tx: Any, tag: Any = "latest") -> str:
        return hex_quantity(self.chain.estimate_gas(hexcodec.tx_request(tx), self._header(tag)))

    def rpc_eth_sendRawTransaction(self, raw: Any) -> str:
        return "0x" + self.chain.send_raw_transaction(hexcodec.data(raw, "raw transaction")).hex()

    def rpc_eth_sendTransaction(self, tx: Any) -> str:
        params = hexcodec.tx_request(tx)
        if "from" not in params:
            raise InvalidParams("missing 'from'")
        return "0x" + self.chain.send_transaction(params).hex()

    # -- blocks and transactions ------------------------------------------------------------------------
    def _block(self, number: int, full: bool) -> dict[str, Any]:
        header, recs = self.chain.block_rows(number)
        txs = [self._mined_tx_json(r) if full else hex_data(r.hash) for r in recs]
        size = len(rlp.encode([rlp.decode(rlp.encode(header)), [r.raw for r in recs], []]))
        return block_json(header, txs, full, size)

    def rpc_eth_getBlockByNumber(self, tag: Any, full: Any = False) -> dict[str, Any] | None:
        number = self._number_or_none(tag)
        return None if number is None else self._block(number, bool(full))

    def rpc_eth_getBlockByHash(self, block_hash: Any, full: Any = False) -> dict[str, Any] | None:
        number = self._number_by_hash(block_hash)
        return None if number is None else self._block(number, bool(full))

    def rpc_eth_getBlockTransactionCountByNumber(self, tag: Any) -> str:
        return hex_quantity(len(self.chain.block_rows(self._number(tag))[1]))

    def rpc_eth_getBlockTransactionCountByHash(self, block_hash: Any) -> str | None:
        number = self._number_by_hash(block_hash)
        return None if number is None else hex_quantity(len(self.chain.block_rows(number)[1]))

    def rpc_eth_getTransactionByBlockNumberAndIndex(self, tag: Any, index: Any) -> dict[str, Any] | None:
        number = self._number_or_none(tag)
        return None if number is None else self._tx_at(number, hexcodec.quantity(index, "transaction index"))

    def rpc_eth_getTransactionByBlockHashAndIndex(self, block_hash: Any, index: Any) -> dict[str, Any] | None:
        number = self._number_by_hash(block_hash)
        return None if number is None else self._tx_at(number, hexcodec.quantity(index, "transaction index"))

    def rpc_eth_getBlockReceipts(self, block: Any) -> list[dict[str, Any]] | None:
        """Every receipt of a block (by number, tag or hash); null for a block we do not have."""
        by_hash = isinstance(block, str) and len(block) == 66
        number = self._number_by_hash(block) if by_hash else self._number_or_none(block)
        return None if number is None else [receipt_json(r) for r in self.chain.block_rows(number)[1]]

    def _number_or_none(self, tag: Any) -> int | None:
        """The number of the block ``tag`` names, or None when there is no such block (yet)."""
        try:
            return self._number(tag)
        except EvmError as exc:
            if exc.code != -32001:
                raise
            return None

    def _number_by_hash(self, block_hash: Any) -> int | None:
        try:
            return int(self.chain.header_by_hash(hexcodec.hash32(block_hash, "block hash")).block_number)
        except EvmError as exc:
            if exc.code != -32001:
                raise
            return None

    def _tx_at(self, number: int, index: int) -> dict[str, Any] | None:
        recs = self.chain.block_rows(number)[1]
        return self._mined_tx_json(recs[index]) if index < len(recs) else None

    def _mined_tx_json(self, rec: Any) -> dict[str, Any]:
        return tx_json(decode_stored(rec.raw, rec.sender), self.chain.chain_id, rec)  # sender as mined

    def rpc_eth_getTransactionByHash(self, tx_hash: Any) -> dict[str, Any] | None:
        h = hexcodec.hash32(tx_hash, "transaction hash")
        rec = self.chain.transaction(h)
        if rec is not None:
            return self._mined_tx_json(rec)
        for tx in self.chain.pending_transactions():
            if tx.hash == h:
                return tx_json(tx, self.chain.chain_id)
        return None

    def rpc_eth_getTransactionReceipt(self, tx_hash: Any) -> dict[str, Any] | None:
        rec = self.chain.transaction(hexcodec.hash32(tx_hash, "transaction hash"))
        return receipt_json(rec) if rec is not None else None

    def rpc_eth_feeHistory(self, count: Any, newest: Any, percentiles: Any = None) -> dict[str, Any]:
        from app.evm.rpc.feehistory import fee_history

        return fee_history(
            self.chain, hexcodec.quantity(count, "block count"), self._number(newest), percentiles
        )

    # -- logs and filters -------------------------------------------------------------------------------
    def log_query(self, obj: Any, default_from: int | None = None) -> LogQuery:
        if not isinstance(obj, dict):
            raise InvalidParams("invalid filter object")
        head = self.chain.head.block_number
        addrs = obj.get("address")
        if addrs is None:
            addresses: tuple[bytes, ...] = ()
        elif isinstance(addrs, list):
            addresses = tuple(hexcodec.address(a) for a in addrs)
        else:
            addresses = (hexcodec.address(addrs),)
        topics_in = obj.get("topics") or []
        if not isinstance(topics_in, list) or len(topics_in) > 4:
            raise InvalidParams("invalid topics: at most 4 positions")
        topics: list[tuple[bytes, ...] | None] = []
        for t in topics_in:
            if t is None:
                topics.append(None)
            elif isinstance(t, list):
                topics.append(tuple(hexcodec.hash32(x, "topic") for x in t if x is not None) or None)
            else:
                topics.append((hexcodec.hash32(t, "topic"),))
        if obj.get("blockHash") is not None:
            if obj.get("fromBlock") is not None or obj.get("toBlock") is not None:
                raise InvalidParams("blockHash cannot be combined with fromBlock/toBlock")
            return LogQuery(0, 0, addresses, tuple(topics), hexcodec.hash32(obj["blockHash"], "blockHash"))
        frm = (
            self._number(obj["fromBlock"])
            if obj.get("fromBlock") is not None
            else (default_from if default_from is not None else head)
        )
        to = self._number(obj["toBlock"]) if obj.get("toBlock") is not None else head
        if frm > to:
            raise InvalidParams("fromBlock is after toBlock")
        return LogQuery(frm, to, addresses, tuple(topics))

    def rpc_eth_getLogs(self, obj: Any) -> list[dict[str, Any]]:
        return [log_json(log_record) for log_record in self.chain.logs(self.log_query(obj))]

    def rpc_eth_newFilter(self, obj: Any) -> str:
        q = self.log_query(obj)  # validates the criteria now, not at the first poll
        # a block tag (latest, pending...) means "from now on", as geth: only new blocks are reported
        explicit = obj.get("fromBlock") not in (None, "latest", "pending", "safe", "finalized")
        start = q.from_block - 1 if explicit else self.chain.head.block_number
        return self.filters.add(Filter("logs", start, obj))

    def rpc_eth_newBlockFilter(self) -> str:
        return self.filters.add(Filter("blocks", self.chain.head.block_number))

    def rpc_eth_getFilterChanges(self, fid: Any) -> list[Any]:
        head = self.chain.head.block_number
        f, start = self.filters.advance(fid, head)
        if f.kind == "pending":
            return self.pending_changes(f)  # app/evm/rpc/txpool.py
        if start > head:
            return []
        if f.kind == "blocks":
            return [hex_data(self.chain.block_hash(n)) for n in range(start, head + 1)]
        criteria: dict[str, Any] = f.criteria  # type: ignore[assignment]
        q = self.log_query({**criteria, "fromBlock": None, "toBlock": None, "blockHash": None})
        to = min(head, self._number(criteria["toBlock"])) if criteria.get("toBlock") is not None else head
        if start > to:
            return []
        return [
            log_json(log_record) for log_record in self.chain.logs(LogQuery(start, to, q.addresses, q.topics))
        ]

    def rpc_eth_getFilterLogs(self, fid: Any) -> list[dict[str, Any]]:
        f = self.filters.get(fid)
        if f.kind != "logs":
            raise InvalidParams("filter is not a log filter")
        return self.rpc_eth_getLogs(f.criteria)

    def rpc_eth_uninstallFilter(self, fid: Any) -> bool:
        return self.filters.remove(fid)

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

    # -- dev methods (anvil / hardhat) ------------------------------------------------------------------
    def rpc_evm_snapshot(self) -> str:
        return hex_quantity(self.chain.snapshot())

    def rpc_evm_revert(self, sid: Any) -> bool:
        ok = self.chain.revert(hexcodec.quantity(sid, "snapshot id"))
        self.filters.reset_to(self.chain.head.block_number)
        return ok

    def rpc_evm_mine(self, arg: Any = None) -> str:
        timestamp = None
        if isinstance(arg, dict):
            timestamp = hexcodec.quantity(arg["timestamp"], "timestamp") if "timestamp" in arg else None
            blocks = hexcodec.quantity(arg.get("blocks", 1), "blocks")
        else:
            timestamp = hexcodec.quantity(arg, "timestamp") if arg is not None else None
            blocks = 1
        if blocks > 10_000:
            raise InvalidParams("at most 10000 blocks at once")
        self.chain.mine(blocks, timestamp)
        return "0x0"

    def rpc_anvil_mine(self, blocks: Any = None, interval: Any = None) -> None:
        n = hexcodec.quantity(blocks, "blocks") if blocks is not None else 1
        self.mine_blocks(
            n, hexcodec.quantity(interval, "interval") if interval is not None else None
        )  # anvil.py
        return None

    def rpc_evm_increaseTime(self, seconds: Any) -> int:
        s = hexcodec.quantity(seconds, "seconds") if not isinstance(seconds, int) else seconds
        return self.chain.increase_time(s)  # a JSON number, as anvil answers

    def rpc_evm_setAutomine(self, enabled: Any) -> bool:
        self.set_automine(enabled)
        return True

    def rpc_evm_setIntervalMining(self, seconds: Any) -> bool:
        if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
            raise InvalidParams("expected a number of seconds (0 turns interval mining off)")
        self.chain.set_interval(float(seconds))
        return True

    def rpc_anvil_getAutomine(self) -> bool:
        return self.chain.automine

    def rpc_anvil_setBalance(self, address: Any, wei: Any) -> None:
        self.chain.set_balance(hexcodec.address(address), hexcodec.quantity(wei, "balance"))
        return None


_OVERRIDE_FIELDS = frozenset(("balance", "nonce", "code", "state", "stateDiff"))


def state_overrides(obj: Any) -> tuple[StateOverride, ...]:
    """eth_call's third parameter, as geth and anvil take it: address -> {balance, nonce, code, state |
    stateDiff}, every value hex; ``state`` replaces the account's whole storage, ``stateDiff`` sets slots."""
    if obj is None:
        return ()
    if not isinstance(obj, dict):
        raise InvalidParams("state overrides: expected an object of address -> account override")
    out = []
    for key, acct in obj.items():
        address = hexcodec.address(key, "override address")
        if not isinstance(acct, dict) or not set(acct) <= _OVERRIDE_FIELDS:
            unknown = sorted(set(acct) - _OVERRIDE_FIELDS) if isinstance(acct, dict) else acct
            raise InvalidParams(f"state override of {key}: unknown fields {unknown}")
        if acct.get("state") is not None and acct.get("stateDiff") is not None:
            raise InvalidParams(f"state override of {key}: has both 'state' and 'stateDiff'")
        out.append(
            StateOverride(
                address,
                balance=hexcodec.quantity(acct["balance"], "balance")
                if acct.get("balance") is not None
                else None,
                nonce=hexcodec.quantity(acct["nonce"], "nonce") if acct.get("nonce") is not None else None,
                code=hexcodec.data(acct["code"], "code") if acct.get("code") is not None else None,
                storage=_slots(key, acct, "state"),
                storage_diff=_slots(key, acct, "stateDiff"),
            )
        )
    return tuple(out)


def _slots(key: str, acct: dict[str, Any], name: str) -> dict[int, int] | None:
    raw = acct.get(name)
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InvalidParams(f"state override of {key}: '{name}' must map slots to values")
    return {
        int.from_bytes(hexcodec.hash32(k, f"{name} slot"), "big"): int.from_bytes(
            hexcodec.hash32(v, f"{name} value"), "big"
        )
        for k, v in raw.items()
    }


def _output(outcome: CallOutcome) -> str:
    raise_for(outcome)
    return "0x" + outcome.output.hex()


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
