"""Pending transactions against anvil: eth_newPendingTransactionFilter over HTTP, eth_subscribe
newPendingTransactions over WebSocket, txpool_status/content/inspect and anvil_dropTransaction. The
transactions are signed raw with explicit fees by a fresh funded key, so both nodes see the same hashes."""

from __future__ import annotations

import asyncio

import orjson
import pytest
import websockets
from eth_account import Account
from eth_utils import keccak

from tests.integration.rpcresults import both, result
from tests.signing import raw_tx

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

TO = "0x" + "cd" * 20


def funded(nodes, seed: str) -> Account:
    acct = Account.from_key("0x" + seed * 32)
    both(nodes, "anvil_setBalance", acct.address, hex(10**20))
    return acct


def send_raw(nodes, raw: str) -> str:
    ours, anvil = both(nodes, "eth_sendRawTransaction", raw)
    assert ours == anvil
    return ours


def test_pending_filter_with_automine_as_anvil(nodes):
    acct = funded(nodes, "a1")
    filters = both(nodes, "eth_newPendingTransactionFilter")
    hashes = [send_raw(nodes, raw_tx(acct, n, to=TO, value=n + 1, gas=21_000)) for n in range(2)]
    changes = [result(n, "eth_getFilterChanges", f) for n, f in zip(nodes, filters, strict=True)]
    assert changes == [hashes, hashes]  # pending for the instant before its block, as on anvil
    assert [result(n, "eth_getFilterChanges", f) for n, f in zip(nodes, filters, strict=True)] == [[], []]
    assert all(result(n, "eth_getTransactionReceipt", hashes[1]) for n in nodes)
    assert both(nodes, "eth_uninstallFilter", *filters[:1])[0] is True


def test_txpool_and_drop_transaction_as_anvil(nodes):
    acct = funded(nodes, "b2")
    sender = acct.address.lower()
    assert both(nodes, "evm_setAutomine", False) == [True, None]  # documented: anvil answers null
    try:
        filters = both(nodes, "eth_newPendingTransactionFilter")
        fee = {"gas": 21_000, "maxFeePerGas": 3 * 10**9, "maxPriorityFeePerGas": 10**9}
        sent = [send_raw(nodes, raw_tx(acct, n, to=TO, value=5, **fee)) for n in (0, 1, 3)]
        assert both(nodes, "txpool_status") == [{"pending": "0x2", "queued": "0x1"}] * 2
        ours, anvil = both(nodes, "txpool_inspect")
        assert ours == anvil
        assert ours["pending"][sender]["0"] == f"{TO}: 5 wei + 21000 gas × 3000000000 wei"
        assert set(ours["queued"][sender]) == {"3"}
        ours, anvil = both(nodes, "txpool_content")
        for content in (ours, anvil):
            assert [t["hash"] for t in content["pending"][sender].values()] == sent[:2]
            assert content["queued"][sender]["3"]["hash"] == sent[2]
            assert all(
                t["blockHash"] is None and t["from"] == sender for t in content["pending"][sender].values()
            )
        changes = [result(n, "eth_getFilterChanges", f) for n, f in zip(nodes, filters, strict=True)]
        # pending until mined, with automine off; documented: ours reports a queued transaction (nonce gap)
        # when it is accepted, anvil only once it is ready
        assert changes == [sent, sent[:2]]
        # dropping a ready transaction drops the sender's ready ones after it; a queued one stays queued
        assert both(nodes, "anvil_dropTransaction", sent[0]) == [sent[0]] * 2
        assert both(nodes, "hardhat_dropTransaction", sent[1]) == [None, None]
        assert both(nodes, "txpool_status") == [{"pending": "0x0", "queued": "0x1"}] * 2
        again = send_raw(nodes, raw_tx(acct, 0, to=TO, value=6, **fee))
        both(nodes, "evm_mine")
        assert both(nodes, "txpool_status") == [{"pending": "0x0", "queued": "0x1"}] * 2
        assert all(result(n, "eth_getTransactionReceipt", again) for n in nodes)
        assert both(nodes, "eth_getTransactionReceipt", sent[0]) == [None, None]
        # documented: ours can drop a queued transaction too, anvil answers null and keeps it
        assert both(nodes, "anvil_dropTransaction", sent[2]) == [sent[2], None]
        changes = [result(n, "eth_getFilterChanges", f) for n, f in zip(nodes, filters, strict=True)]
        assert changes == [[again], [again]]
    finally:
        both(nodes, "evm_setAutomine", True)


def test_new_pending_transactions_subscription_as_anvil(nodes):
    acct = funded(nodes, "c3")
    raw = raw_tx(acct, 0, to=TO, value=9, gas=21_000)

    async def pending_hash(node) -> str:
        async with websockets.connect(node.url.replace("http", "ws")) as ws:
            req = {"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newPendingTransactions"]}
            await ws.send(orjson.dumps(req))
            sid = orjson.loads(await ws.recv())["result"]
            await asyncio.to_thread(node.rpc, "eth_sendRawTransaction", raw)
            note = orjson.loads(await asyncio.wait_for(ws.recv(), 10))
            assert note["method"] == "eth_subscription" and note["params"]["subscription"] == sid
            return note["params"]["result"]

    hashes = [asyncio.run(pending_hash(node)) for node in nodes]
    assert hashes[0] == hashes[1] == "0x" + keccak(bytes.fromhex(raw[2:])).hex()
