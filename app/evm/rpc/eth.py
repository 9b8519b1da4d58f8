"""The ``eth_`` namespace over the chain's interface (``ChainAPI``): block tags, state, calls and gas,
transactions, blocks, receipts, logs and polling filters, with ``eth_call``'s state overrides.
``app/evm/rpc/dispatch.py`` gathers it with the other namespaces into ``Rpc``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rlp

from app.evm import hexcodec
from app.evm.abc import ChainAPI, LogQuery
from app.evm.errors import EvmError, InvalidParams
from app.evm.execution.call_context import CallOutcome, StateOverride
from app.evm.execution.head_state import HeadState, MissingNode
from app.evm.hexcodec import hex_data, hex_quantity
from app.evm.node.gas import raise_for
from app.evm.node.impersonation import decode_stored
from app.evm.rpc.filters import Filter, FilterRegistry
from app.evm.rpc.formatting import block_json, log_json, receipt_json, tx_json


class EthMethods:
    chain: ChainAPI
    filters: FilterRegistry
    pending_changes: Callable[[Filter], list[str]]  # provided by TxPoolMethods (txpool.py)

    # -- block tags -------------------------------------------------------------------------------------
    def _number(self, tag: Any) -> int:
        head: int = self.chain.head.block_number
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
        now = self._at_head("eth_getBalance", a, None, tag)
        if now is not None:
            return now
        with self.chain.lock:
            return hex_quantity(self.chain.account_view(self._header(tag)).get_balance(a))

    def rpc_eth_getTransactionCount(self, address: Any, tag: Any = "latest") -> str:
        a = hexcodec.address(address)
        if tag == "pending":
            return hex_quantity(self.chain.pending_nonce(a))
        now = self._at_head("eth_getTransactionCount", a, None, tag)
        if now is not None:
            return now
        with self.chain.lock:
            return hex_quantity(self.chain.account_view(self._header(tag)).get_nonce(a))

    def rpc_eth_getCode(self, address: Any, tag: Any = "latest") -> str:
        a = hexcodec.address(address)
        now = self._at_head("eth_getCode", a, None, tag)
        if now is not None:
            return now
        with self.chain.lock:
            code: bytes = self.chain.account_view(self._header(tag)).get_code(a)
        return "0x" + code.hex()

    def rpc_eth_getStorageAt(self, address: Any, slot: Any, tag: Any = "latest") -> str:
        a = hexcodec.address(address)
        key = hexcodec.quantity(slot, "storage slot")
        now = self._at_head("eth_getStorageAt", a, key, tag)
        if now is not None:
            return now
        with self.chain.lock:
            value: int = self.chain.account_view(self._header(tag)).get_storage(a, key)
        return "0x" + value.to_bytes(32, "big").hex()

    def _at_head(self, method: str, address: bytes, slot: int | None, tag: Any) -> str | None:
        """The answer from the committed head's state (no lock, no py-evm state) when ``tag`` names the
        head; None for another block, or when a node of that state is gone (a rewind raced this read)."""
        if tag is not None and tag not in AT_HEAD:
            return None
        try:
            return head_read(self.chain.head_state(), method, address, slot, in_memory_only=False)
        except MissingNode:
            return None

    # -- execution --------------------------------------------------------------------------------------
    def rpc_eth_call(self, tx: Any, tag: Any = "latest", overrides: Any = None) -> str:
        params = hexcodec.tx_request(tx)
        return call_output(self.chain.call(params, self._header(tag), state_overrides(overrides)))

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
            if exc.rpc_code != -32001:
                raise
            return None

    def _number_by_hash(self, block_hash: Any) -> int | None:
        try:
            return int(self.chain.header_by_hash(hexcodec.hash32(block_hash, "block hash")).block_number)
        except EvmError as exc:
            if exc.rpc_code != -32001:
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
            return self.pending_changes(f)
        if start > head:
            return []
        if f.kind == "blocks":
            return [hex_data(self.chain.block_hash(n)) for n in range(start, head + 1)]
        criteria = f.criteria
        assert isinstance(criteria, dict)  # a logs filter keeps its eth_newFilter object
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


def call_output(outcome: CallOutcome) -> str:
    raise_for(outcome)
    return "0x" + outcome.output.hex()


AT_HEAD = ("latest", "pending", "safe", "finalized")  # block tags that name the newest committed block
HEAD_READS = frozenset(("eth_getBalance", "eth_getTransactionCount", "eth_getCode", "eth_getStorageAt"))


def head_read(state: HeadState, method: str, address: bytes, slot: int | None, in_memory_only: bool) -> str:
    """One of ``HEAD_READS`` answered from ``state`` (``NotInMemory``/``MissingNode`` when it cannot be)."""
    if method == "eth_getBalance":
        return hex_quantity(state.balance(address, in_memory_only))
    if method == "eth_getTransactionCount":
        return hex_quantity(state.nonce(address, in_memory_only))
    if method == "eth_getCode":
        return "0x" + state.code(address, in_memory_only).hex()
    assert slot is not None
    return "0x" + state.storage(address, slot, in_memory_only).to_bytes(32, "big").hex()
