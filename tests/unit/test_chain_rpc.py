"""The chain and its JSON-RPC methods in process (the HTTP transport has its own tests)."""

from __future__ import annotations

import time

import pytest
from eth_account import Account

from app.config import Settings
from app.db import make_engine
from app.evm.node.chain import Chain
from app.evm.rpc.dispatch import Rpc
from tests.signing import raw_tx

KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ACCT = Account.from_key(KEY)
# runtime `JUMPDEST PUSH1 0 JUMP`: loops until gas runs out
LOOP_INIT = "0x6004600c60003960046000f3" + "5b600056"
# runtime: return CALLDATASIZE words of SSTORE... keep simple: `PUSH1 1 PUSH1 0 SSTORE STOP`
STORE_INIT = "0x6006600c60003960066000f3" + "600160005500"


def open_rpc(url: str, **overrides) -> Rpc:
    settings = Settings(database_url=url, **overrides)
    return Rpc(Chain(make_engine(url), settings))


def call(rpc: Rpc, method: str, *params):
    out = rpc.handle({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})
    return out


def ok(rpc: Rpc, method: str, *params):
    out = call(rpc, method, *params)
    assert "result" in out, out
    return out["result"]


def send(rpc: Rpc, nonce: int, **tx) -> str:
    return ok(rpc, "eth_sendRawTransaction", raw_tx(ACCT, nonce, **{"gas": 200_000, **tx}))


@pytest.fixture
def rpc(db_url):
    r = open_rpc(db_url)
    yield r
    r.chain.close()


def test_batch_mode_packs_pending_transactions_into_one_block(rpc):
    assert ok(rpc, "evm_setAutomine", False) is True
    hashes = [send(rpc, n, to="0x" + "11" * 20, value=1) for n in range(3)]
    assert ok(rpc, "eth_blockNumber") == "0x0"
    assert ok(rpc, "eth_getTransactionCount", ACCT.address, "pending") == "0x3"
    assert ok(rpc, "eth_getTransactionReceipt", hashes[0]) is None
    assert ok(rpc, "eth_getTransactionByHash", hashes[1])["blockHash"] is None
    ok(rpc, "evm_mine")
    block = ok(rpc, "eth_getBlockByNumber", "0x1", False)
    assert block["transactions"] == hashes
    receipts = [ok(rpc, "eth_getTransactionReceipt", h) for h in hashes]
    assert [r["cumulativeGasUsed"] for r in receipts] == [hex(21000), hex(42000), hex(63000)]


def test_call_time_limit_stops_endless_loops(sqlite_url):
    rpc = open_rpc(sqlite_url, call_timeout_s=0.3)
    receipt = ok(rpc, "eth_getTransactionReceipt", send(rpc, 0, data=LOOP_INIT))
    t = time.monotonic()
    err = call(rpc, "eth_call", {"to": receipt["contractAddress"], "gas": hex(50_000_000)}, "latest")["error"]
    assert time.monotonic() - t < 5
    assert err["code"] == -32603 and "timed out" in err["message"]
    rpc.chain.close()


def test_set_balance_and_time_survive_restart(sqlite_url):
    rpc = open_rpc(sqlite_url)
    who = "0x" + "ee" * 20
    ok(rpc, "anvil_setBalance", who, hex(123))
    ok(rpc, "hardhat_setBalance", who, hex(456))
    ok(rpc, "evm_increaseTime", 3600)
    send(rpc, 0, to=who, value=4)
    ts = int(ok(rpc, "eth_getBlockByNumber", "latest", False)["timestamp"], 16)
    assert ts >= int(time.time()) + 3600 - 5
    rpc.chain.close()
    again = open_rpc(sqlite_url)
    assert ok(again, "eth_getBalance", who, "latest") == hex(460)
    send(again, 1, to=who, value=1)
    assert (
        int(ok(again, "eth_getBlockByNumber", "latest", False)["timestamp"], 16)
        >= int(time.time()) + 3600 - 5
    )
    again.chain.close()


def test_snapshot_revert_restores_state_and_numbers(rpc):
    receipt = ok(rpc, "eth_getTransactionReceipt", send(rpc, 0, data=STORE_INIT))
    target = receipt["contractAddress"]
    snap = ok(rpc, "evm_snapshot")
    h = send(rpc, 1, to=target)
    assert ok(rpc, "eth_getStorageAt", target, "0x0", "latest") == "0x" + "00" * 31 + "01"
    assert ok(rpc, "evm_revert", snap) is True
    assert ok(rpc, "eth_blockNumber") == "0x1"
    assert ok(rpc, "eth_getStorageAt", target, "0x0", "latest") == "0x" + "00" * 32
    assert ok(rpc, "eth_getTransactionReceipt", h) is None
    assert ok(rpc, "evm_revert", snap) is False  # a snapshot is used up by reverting to it
    again = send(rpc, 1, to=target)
    assert ok(rpc, "eth_getTransactionReceipt", again)["blockNumber"] == "0x2"


def test_get_logs_and_filters_follow_new_blocks(rpc):
    # runtime: LOG1 with topic = first calldata word
    init = "0x600d600c600039600d6000f3" + "60003560006000a1" + "00" * 5
    target = ok(rpc, "eth_getTransactionReceipt", send(rpc, 0, data=init))["contractAddress"]
    fid = ok(rpc, "eth_newFilter", {"address": target})
    bfid = ok(rpc, "eth_newBlockFilter")
    t1, t2 = "0x" + "01".rjust(64, "0"), "0x" + "02".rjust(64, "0")
    send(rpc, 1, to=target, data=t1)
    send(rpc, 2, to=target, data=t2)
    changes = ok(rpc, "eth_getFilterChanges", fid)
    assert [c["topics"] for c in changes] == [[t1], [t2]]
    assert ok(rpc, "eth_getFilterChanges", fid) == []
    assert len(ok(rpc, "eth_getFilterChanges", bfid)) == 2
    assert [lg["topics"][0] for lg in ok(rpc, "eth_getLogs", {"fromBlock": "0x0", "topics": [[t2, t1]]})] == [
        t1,
        t2,
    ]
    assert ok(rpc, "eth_getLogs", {"fromBlock": "0x0", "topics": [t2], "address": [target]})[0]["topics"] == [
        t2
    ]
    assert ok(rpc, "eth_getFilterLogs", fid)[-1]["topics"] == [t2]
    assert ok(rpc, "eth_uninstallFilter", fid) is True
    assert call(rpc, "eth_getFilterChanges", fid)["error"]["code"] == -32602


def test_production_disables_dev_methods(sqlite_url):
    rpc = open_rpc(sqlite_url, env="production")
    assert ok(rpc, "eth_accounts") == []
    dev_only = ("eth_sendTransaction", "evm_mine", "anvil_setBalance", "evm_snapshot", "anvil_setCode")
    dev_only += ("hardhat_setStorageAt", "anvil_setNonce", "evm_setNextBlockTimestamp", "eth_sign")
    dev_only += ("personal_sign", "eth_signTypedData_v4")
    for method in dev_only:
        assert call(rpc, method, {})["error"]["code"] == -32601, method
    assert "error" not in call(rpc, "eth_getBlockReceipts", "latest")  # reads stay
    rpc.chain.close()


def test_a_failing_block_write_leaves_nothing_behind(rpc, monkeypatch):
    import app.evm.storage.records as records

    before = ok(rpc, "eth_blockNumber")
    balance = ok(rpc, "eth_getBalance", ACCT.address, "latest")
    real = records.insert_block

    def broken(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(records, "insert_block", broken)
    assert (
        call(rpc, "eth_sendRawTransaction", _raw(0, to="0x" + "12" * 20, value=5))["error"]["code"] == -32603
    )
    monkeypatch.setattr(records, "insert_block", real)
    assert ok(rpc, "eth_blockNumber") == before
    assert ok(rpc, "eth_getBalance", ACCT.address, "latest") == balance
    assert ok(rpc, "eth_getBalance", "0x" + "12" * 20, "latest") == "0x0"
    # the same transaction goes through afterwards
    h = ok(rpc, "eth_sendRawTransaction", _raw(0, to="0x" + "12" * 20, value=5))
    assert ok(rpc, "eth_getTransactionReceipt", h)["status"] == "0x1"
    assert ok(rpc, "eth_getBalance", "0x" + "12" * 20, "latest") == "0x5"


def test_mined_hook_commits_with_the_block_or_not_at_all(rpc):
    from sqlalchemy import text

    chain = rpc.chain
    with chain.engine.begin() as conn:
        conn.execute(
            text(
                "create table hook_probe (tx bytea)"
                if conn.dialect.name == "postgresql"
                else "create table hook_probe (tx blob)"
            )
        )

    def boom(conn, rec):
        conn.execute(text("insert into hook_probe values (:t)"), {"t": rec.hash})
        raise RuntimeError("audit write failed")

    raw = bytes.fromhex(_raw(0, to="0x" + "34" * 20, value=1)[2:])
    with pytest.raises(RuntimeError):
        chain.send_raw_transaction(raw, on_mined=boom)
    with chain.engine.connect() as conn:
        assert conn.execute(text("select count(*) from hook_probe")).scalar() == 0
    assert ok(rpc, "eth_blockNumber") == "0x0"

    seen = []
    h = chain.send_raw_transaction(raw, on_mined=lambda conn, rec: seen.append(rec.block_number))
    assert seen == [1] and ok(rpc, "eth_getTransactionReceipt", "0x" + h.hex())["blockNumber"] == "0x1"


def _raw(nonce: int, **tx) -> str:
    return raw_tx(ACCT, nonce, **tx)


def test_only_lock_free_requests_count_as_instant(rpc):
    """What a server may answer on its event loop: constants, the head's number, a just-mined receipt."""

    def req(method, *params):
        return {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}

    h = send(rpc, 0, to="0x" + "11" * 20, value=1)
    assert rpc.instant(req("eth_chainId")) and rpc.instant(req("eth_blockNumber"))
    assert rpc.instant(req("eth_getTransactionReceipt", h))
    assert rpc.instant(req("eth_getTransactionByHash", h))
    assert not rpc.instant(req("eth_getTransactionReceipt", "0x" + "00" * 32))  # would ask the database
    assert not rpc.instant(req("eth_getTransactionReceipt", "0x12"))  # malformed: the thread answers it
    assert not rpc.instant(req("eth_call", {"to": "0x" + "11" * 20}, "latest"))
    assert not rpc.instant(req("eth_getBalance", ACCT.address, "latest"))
    assert not rpc.instant([req("eth_chainId")]) and not rpc.instant("eth_chainId")
    assert ok(rpc, "eth_blockNumber") == "0x1" and ok(rpc, "eth_getTransactionReceipt", h)["status"] == "0x1"


# runtime: with calldata, return slot 0; without, slot 0 += 1
COUNTER_INIT = "0x601a600c600039601a6000f3" + "36600e57600054600101600055005b60005460005260206000f3"


def test_calls_on_other_threads_see_whole_blocks_while_transactions_are_mined(rpc):
    """eth_call runs without the chain lock, on states of its own: readers on several threads, while
    blocks are mined, only ever see a committed count, never a step back, and never fail."""
    import threading

    created = ok(rpc, "eth_getTransactionReceipt", send(rpc, 0, data=COUNTER_INIT))["contractAddress"]
    seen: list[list[int]] = [[] for _ in range(3)]
    errors: list[object] = []
    done = threading.Event()

    def reader(out: list[int]) -> None:
        while not done.is_set():
            answer = call(rpc, "eth_call", {"to": created, "data": "0x01"}, "latest")
            if "result" not in answer:
                errors.append(answer)
                return
            out.append(int(answer["result"], 16))

    threads = [threading.Thread(target=reader, args=(s,)) for s in seen]
    for t in threads:
        t.start()
    for nonce in range(1, 16):
        assert ok(rpc, "eth_getTransactionReceipt", send(rpc, nonce, to=created))["status"] == "0x1"
    done.set()
    for t in threads:
        t.join(30)
    assert errors == []
    for values in seen:
        assert values and values == sorted(values) and set(values) <= set(range(16))
    assert int(ok(rpc, "eth_call", {"to": created, "data": "0x01"}, "latest"), 16) == 15


def test_block_roots_are_the_ones_py_evm_computes(rpc, monkeypatch):
    """Blocks get their transactions and receipts roots from our one-pass ordered trie: the same roots as
    py-evm's own item-by-item trie, for a block of mixed transactions (a failed one included)."""
    from eth.db.trie import make_trie_root_and_nodes

    from app.evm.execution import pyevm

    mined = []
    real = pyevm.mine

    def keep(*args, **kwargs):
        out = real(*args, **kwargs)
        mined.append(out[0])
        return out

    monkeypatch.setattr(pyevm, "mine", keep)
    ok(rpc, "evm_setAutomine", False)
    send(rpc, 0, to="0x" + "11" * 20, value=1)
    send(rpc, 1, data=STORE_INIT)
    send(rpc, 2, data="0x60006000fd", gas=60_000)  # init code that reverts: status 0
    for n in range(3, 140):  # past index 127, where the trie keys grow to two bytes
        send(rpc, n, to="0x" + "22" * 20, value=n)
    ok(rpc, "evm_mine")
    (block,) = mined
    assert len(block.block.transactions) == 140
    assert {r["status"] for r in ok(rpc, "eth_getBlockReceipts", "latest")} == {"0x0", "0x1"}
    header = block.block.header
    assert header.transaction_root == make_trie_root_and_nodes(block.block.transactions)[0]
    assert header.receipt_root == make_trie_root_and_nodes(block.receipts)[0]
    assert (
        ok(rpc, "eth_getBlockByNumber", "latest", False)["transactionsRoot"]
        == "0x" + header.transaction_root.hex()
    )


def test_call_now_answers_short_calls_at_once_and_leaves_the_rest_to_a_thread(rpc, monkeypatch):
    """What a server may run on its event loop: a plain eth_call that is done within the budget while no
    block is being mined; answers equal the ordinary path's. The budget is raised to 1 s here so that a
    loaded machine cannot turn a short call into a long one (the 10 ms figure is a benchmark's business)."""
    import threading

    from app.evm.rpc import dispatch

    monkeypatch.setattr(dispatch, "CALL_NOW_BUDGET_S", 1.0)

    def req(*params):
        return {"jsonrpc": "2.0", "id": 3, "method": "eth_call", "params": list(params)}

    created = ok(rpc, "eth_getTransactionReceipt", send(rpc, 0, data=COUNTER_INIT))["contractAddress"]
    send(rpc, 1, to=created)  # count = 1
    short = req({"to": created, "data": "0x01"}, "latest")
    assert (
        rpc.call_now(short)
        == rpc.handle(short)
        == {"jsonrpc": "2.0", "id": 3, "result": "0x" + "00" * 31 + "01"}
    )
    reverting = req({"data": "0x60006000fd"})  # create call whose init code reverts: same error either way
    assert rpc.call_now(reverting) == rpc.handle(reverting) and rpc.handle(reverting)["error"]["code"] == 3
    malformed = req({"to": "0x12"})
    assert (
        rpc.call_now(malformed) == rpc.handle(malformed) and rpc.handle(malformed)["error"]["code"] == -32602
    )
    # too long for the loop (the thread runs it with the full limit), another block tag, not a call
    assert rpc.call_now(req({"data": LOOP_INIT[:2] + "5b600056"}, "latest")) is None
    assert rpc.call_now(req({"to": created, "data": "0x01"}, "0x1")) is None
    assert rpc.call_now({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}) is None
    assert rpc.call_now(req()) is None
    # while another thread holds the chain (mining), call_now never waits
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with rpc.chain.lock:
            held.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(10)
    try:
        assert rpc.call_now(short) is None
    finally:
        release.set()
        t.join(10)
    assert rpc.call_now(short)["result"].endswith("01")
