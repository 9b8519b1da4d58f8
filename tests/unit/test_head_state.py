"""Reads at HTTP speed (issue 15, item 2): account and storage reads of the latest block answered from the
committed head's state (``HeadState``, ``Rpc.read_now``) without the chain lock or a py-evm state: the same
answers as the chain's own path, a new state per block and after a rewind, and never a mix of two blocks
while blocks are being mined."""

from __future__ import annotations

import threading
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
# runtime: PUSH1 0 CALLDATALOAD DUP1 PUSH1 0 SSTORE PUSH1 1 SSTORE STOP: slots 0 and 1 both := the argument
TWIN_RUNTIME = "600035806000556001550" + "0"
TWIN_INIT = "0x600b600c60003960" + "0b6000f3" + TWIN_RUNTIME
NOBODY = "0x" + "42" * 20


def request(method: str, *params: object) -> dict:
    return {"jsonrpc": "2.0", "id": 9, "method": method, "params": list(params)}


def ok(rpc: Rpc, method: str, *params: object) -> object:
    out = rpc.handle(request(method, *params))
    assert "result" in out, out
    return out["result"]


def deploy_twin(rpc: Rpc, nonce: int) -> str:
    tx_hash = ok(rpc, "eth_sendRawTransaction", raw_tx(ACCT, nonce, to=None, data=TWIN_INIT, gas=200_000))
    return ok(rpc, "eth_getTransactionReceipt", tx_hash)["contractAddress"]  # type: ignore[index]


def set_twins(rpc: Rpc, nonce: int, contract: str, value: int) -> None:
    data = "0x" + value.to_bytes(32, "big").hex()
    ok(rpc, "eth_sendRawTransaction", raw_tx(ACCT, nonce, to=contract, data=data, gas=100_000))


@pytest.fixture
def rpc(db_url: str):
    r = Rpc(Chain(make_engine(db_url), Settings(database_url=db_url)))
    yield r
    r.chain.close()


def test_read_now_answers_what_the_chain_answers(rpc: Rpc) -> None:
    contract = deploy_twin(rpc, 0)
    set_twins(rpc, 1, contract, 7)
    ok(rpc, "eth_sendRawTransaction", raw_tx(ACCT, 2, to=NOBODY, value=5, gas=21_000))
    cases = [
        request(method, who, *extra)
        for who in (ACCT.address, contract, NOBODY, "0x" + "00" * 20)
        for method, extra in (
            ("eth_getBalance", ["latest"]),
            ("eth_getBalance", []),
            ("eth_getTransactionCount", ["latest"]),
            ("eth_getCode", ["latest"]),
            ("eth_getStorageAt", ["0x0", "latest"]),
            ("eth_getStorageAt", ["0x1", "safe"]),
            ("eth_getStorageAt", ["0x2"]),
        )
    ]
    for req in cases:
        now = rpc.read_now(req)
        assert now is not None, req
        assert now == rpc.handle(req), req
    assert rpc.read_now(request("eth_getStorageAt", contract, "0x1", "latest"))["result"] == "0x" + "7".rjust(
        64, "0"
    )
    assert int(rpc.read_now(request("eth_getBalance", NOBODY, "latest"))["result"], 16) == 5
    # not answered at once (a worker thread answers them as always): another block, the pending nonce, a
    # malformed request, a notification
    assert rpc.read_now(request("eth_getBalance", NOBODY, "0x1")) is None
    assert rpc.read_now(request("eth_getTransactionCount", ACCT.address, "pending")) is None
    assert rpc.read_now(request("eth_getBalance", "0x1234", "latest")) is None
    assert rpc.read_now({"jsonrpc": "2.0", "method": "eth_getBalance", "params": [NOBODY]}) is None


def test_head_state_follows_every_block_and_a_rewind(rpc: Rpc) -> None:
    before = rpc.chain.head_state()
    snapshot = ok(rpc, "evm_snapshot")
    ok(rpc, "anvil_setBalance", NOBODY, "0x2a")
    after = rpc.chain.head_state()
    assert after is not before and after.block_number == before.block_number + 1
    assert rpc.read_now(request("eth_getBalance", NOBODY, "latest"))["result"] == "0x2a"
    assert ok(rpc, "evm_revert", snapshot) is True
    assert rpc.chain.head_state().block_number == before.block_number
    assert rpc.read_now(request("eth_getBalance", NOBODY, "latest"))["result"] == "0x0"


@pytest.mark.slow  # 40 blocks mined while three threads read: about 20 s on a loaded machine
def test_a_read_racing_blocks_never_sees_a_mix(sqlite_url: str) -> None:
    """Every block sets two slots to the same new value (one transaction); readers on other threads, without
    the chain lock, read both slots and the sender's nonce from whatever head state they get while blocks
    are mined: the slots always agree, the nonce is the one of the same block, and nothing goes back."""
    rpc = Rpc(Chain(make_engine(sqlite_url), Settings(database_url=sqlite_url)))
    try:
        contract = bytes.fromhex(deploy_twin(rpc, 0)[2:])
        sender = bytes.fromhex(ACCT.address[2:])
        blocks = 40
        done = threading.Event()
        seen: list[tuple[int, int, int, int]] = []
        failures: list[str] = []

        def reader() -> None:
            last, deadline = 0, time.monotonic() + 120
            while time.monotonic() < deadline:
                state = rpc.chain.head_state()
                a, b = state.storage(contract, 0), state.storage(contract, 1)
                nonce = state.nonce(sender)
                if a != b or nonce != a + 1 or a < last:
                    failures.append(
                        f"block {state.block_number}: slots {a}, {b}, nonce {nonce}, after {last}"
                    )
                    return
                seen.append((state.block_number, a, b, nonce))
                last = a
                if done.is_set() and a == blocks:
                    return

        threads = [threading.Thread(target=reader) for _ in range(3)]
        for t in threads:
            t.start()
        try:
            for k in range(1, blocks + 1):
                set_twins(rpc, k, "0x" + contract.hex(), k)
        finally:
            done.set()
            for t in threads:
                t.join(60)
        assert not failures, failures[:3]
        assert len({s[1] for s in seen}) > 5  # the readers saw many blocks go by, not one
        assert max(s[1] for s in seen) == blocks
    finally:
        rpc.chain.close()


def test_a_state_not_in_memory_is_read_on_a_worker_thread(tmp_path, sqlite_url: str) -> None:
    """With more state than ``state_cache_rows`` the cache fills lazily: a node still only in the database
    is never read on the event loop (``read_now`` declines), the chain's own path reads it, and from then on
    it is answered at once."""
    first = Rpc(Chain(make_engine(sqlite_url), Settings(database_url=sqlite_url)))
    ok(first, "anvil_setBalance", NOBODY, "0x99")
    first.chain.close()
    rpc = Rpc(Chain(make_engine(sqlite_url), Settings(database_url=sqlite_url, state_cache_rows=0)))
    try:
        req = request("eth_getBalance", NOBODY, "latest")
        assert rpc.read_now(req) is None
        assert rpc.handle(req)["result"] == "0x99"
        assert rpc.read_now(req) == rpc.handle(req)
    finally:
        rpc.chain.close()
