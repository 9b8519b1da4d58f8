"""The pending pool in process: a nonce gap waits as queued while evm_mine mines what is ready (it broke
the whole block before: py-evm validated the gapped transaction after locking its journal), pending
filters, anvil_dropTransaction."""

from __future__ import annotations

import pytest
from eth_account import Account

from tests.signing import raw_tx
from tests.unit.test_chain_rpc import call, ok, open_rpc

ACCT = Account.from_key("0x" + "b2" * 32)
TO = "0x" + "cd" * 20


@pytest.fixture
def rpc(db_url):
    r = open_rpc(db_url)
    ok(r, "anvil_setBalance", ACCT.address, hex(10**20))
    yield r
    r.chain.close()


def send(rpc, nonce: int) -> str:
    return ok(rpc, "eth_sendRawTransaction", raw_tx(ACCT, nonce, to=TO, value=5, gas=21_000))


def test_a_nonce_gap_waits_while_the_ready_ones_are_mined(rpc):
    ok(rpc, "evm_setAutomine", False)
    first, _, gapped = send(rpc, 0), send(rpc, 1), send(rpc, 3)
    assert ok(rpc, "txpool_status") == {"pending": "0x2", "queued": "0x1"}
    assert ok(rpc, "evm_mine") == "0x0"
    assert ok(rpc, "eth_getTransactionReceipt", first)["status"] == "0x1"
    assert ok(rpc, "txpool_status") == {"pending": "0x0", "queued": "0x1"}
    assert ok(rpc, "eth_getTransactionReceipt", gapped) is None
    send(rpc, 2)  # fills the gap: both are ready now
    assert ok(rpc, "txpool_status") == {"pending": "0x2", "queued": "0x0"}
    ok(rpc, "evm_mine")
    assert ok(rpc, "eth_getTransactionReceipt", gapped)["status"] == "0x1"
    assert ok(rpc, "eth_getTransactionCount", ACCT.address, "latest") == "0x4"


def test_pending_filter_reports_each_accepted_transaction_once(rpc):
    fid = ok(rpc, "eth_newPendingTransactionFilter")
    assert ok(rpc, "eth_getFilterChanges", fid) == []
    mined = send(rpc, 0)  # automine: pending for the instant before its block
    ok(rpc, "evm_setAutomine", False)
    waiting = send(rpc, 1)
    assert ok(rpc, "eth_getFilterChanges", fid) == [mined, waiting]
    assert ok(rpc, "eth_getFilterChanges", fid) == []
    assert call(rpc, "eth_getFilterLogs", fid)["error"]["code"] == -32602
    assert ok(rpc, "anvil_dropTransaction", waiting) == waiting
    assert ok(rpc, "txpool_content") == {"pending": {}, "queued": {}}
    assert ok(rpc, "eth_uninstallFilter", fid) is True
    send(rpc, 1)  # an uninstalled filter is gone, and nothing keeps its buffer alive
    assert call(rpc, "eth_getFilterChanges", fid)["error"]["code"] == -32602
    assert len(rpc._pending_feed._buffers) == 0


def test_production_has_no_txpool_but_keeps_pending_filters(sqlite_url):
    rpc = open_rpc(sqlite_url, env="production")
    for method in ("txpool_status", "txpool_content", "txpool_inspect", "anvil_dropTransaction"):
        assert call(rpc, method)["error"]["code"] == -32601, method
    assert ok(rpc, "eth_newPendingTransactionFilter").startswith("0x")  # a public read, as on geth
    rpc.chain.close()
