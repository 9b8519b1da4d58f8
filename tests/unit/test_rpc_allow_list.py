"""Production is an allow-list of JSON-RPC methods, debug_* only behind a setting, and tracing runs without
the chain lock (issue 11, item 6)."""

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
LOOP_CREATE = "0x5b600056"  # init code `JUMPDEST PUSH1 0 JUMP`: loops until the call's time limit


def open_rpc(url: str, **overrides) -> Rpc:
    return Rpc(Chain(make_engine(url), Settings(database_url=url, **overrides)))


def answer(rpc: Rpc, method: str, *params):
    return rpc.handle({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})


class WithANewMethod(Rpc):
    """A method added later and never marked public."""

    def rpc_eth_somethingNew(self) -> str:
        return "0x1"


@pytest.fixture
def prod(sqlite_url):
    rpc = WithANewMethod(Chain(make_engine(sqlite_url), Settings(database_url=sqlite_url, env="production")))
    yield rpc
    rpc.chain.close()


def test_production_answers_only_the_public_methods(prod):
    assert set(prod.methods) <= Rpc.PUBLIC
    assert answer(prod, "eth_blockNumber")["result"] == "0x0"
    for method in ("eth_somethingNew", "debug_traceCall", "debug_traceTransaction", "eth_sendTransaction"):
        assert answer(prod, method)["error"]["code"] == -32601, method  # before: somethingNew and debug_* ran
    for prefix in ("evm_", "anvil_", "hardhat_", "personal_", "eth_sign"):
        assert not [m for m in prod.methods if m.startswith(prefix)]


def test_a_new_method_is_on_in_dev(sqlite_url):
    rpc = WithANewMethod(Chain(make_engine(sqlite_url), Settings(database_url=sqlite_url)))
    try:
        assert answer(rpc, "eth_somethingNew")["result"] == "0x1"
        assert "debug_traceCall" in rpc.methods
    finally:
        rpc.chain.close()


def test_debug_methods_come_on_in_production_with_the_setting(sqlite_url):
    rpc = open_rpc(sqlite_url, env="production", rpc_debug=True)
    try:
        trace = answer(rpc, "debug_traceCall", {"to": "0x" + "11" * 20}, "latest", {"tracer": "callTracer"})
        assert trace["result"]["type"] == "CALL"
        assert "eth_sendTransaction" not in rpc.methods
    finally:
        rpc.chain.close()


@pytest.mark.slow
def test_a_block_is_not_held_up_behind_a_long_trace(db_url):
    """Before: debug_traceCall held the chain lock for its whole run (a block waited 2.7 s behind it)."""
    rpc = open_rpc(db_url, call_timeout_s=2.0)
    try:
        traced: dict = {}

        def trace() -> None:
            t = time.monotonic()
            traced["answer"] = answer(
                rpc, "debug_traceCall", {"data": LOOP_CREATE, "gas": hex(50_000_000)}, "latest",
                {"tracer": "callTracer"},
            )  # fmt: skip
            traced["seconds"] = time.monotonic() - t

        worker = threading.Thread(target=trace)
        worker.start()
        time.sleep(0.3)  # the trace is running
        t = time.monotonic()
        sent = answer(rpc, "eth_sendRawTransaction", raw_tx(Account.from_key(KEY), 0, to="0x" + "22" * 20))
        block_wait = time.monotonic() - t
        assert answer(rpc, "eth_getTransactionReceipt", sent["result"])["result"]["blockNumber"] == "0x1"
        trace_running = worker.is_alive()
        worker.join()
        assert "timed out" in traced["answer"]["error"]["message"] and traced["seconds"] >= 1.5
        assert trace_running and block_wait < 0.8, block_wait
    finally:
        rpc.chain.close()
