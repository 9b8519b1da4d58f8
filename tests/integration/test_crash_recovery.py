"""kill -9 right after receipts come back: a restart on the same database finds every one of them."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from eth_account import Account

from tests.conftest import make_database
from tests.serverproc import ServerProcess
from tests.signing import raw_tx

KEYS = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
]
# init code that deploys runtime `PUSH1 0x42 PUSH1 0 PUSH1 0 LOG1 STOP`: every call emits one log, topic 0x42
LOGGER_INITCODE = "0x6008600c60003960086000f3" + "604260006000a100"
TOPIC = "0x" + "42".rjust(64, "0")


def send(server, acct, nonce, **tx):
    raw = raw_tx(acct, nonce, **tx)
    out = server.rpc("eth_sendRawTransaction", raw)
    assert "result" in out, out
    receipt = server.rpc("eth_getTransactionReceipt", out["result"])["result"]
    assert receipt is not None
    return receipt


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_sigkill_after_receipt_loses_nothing(dialect, tmp_path: Path):
    gen = make_database(dialect, tmp_path)
    url = next(gen)
    try:
        srv = ServerProcess(url, tmp_path / "server.log").start()
        acct = Account.from_key(KEYS[0])
        deploy = send(srv, acct, 0, data=LOGGER_INITCODE)
        contract = deploy["contractAddress"]
        call = send(srv, acct, 1, to=contract)
        transfer = send(srv, acct, 2, to="0x" + "ab" * 20, value=12345)
        balance = srv.rpc("eth_getBalance", acct.address, "latest")["result"]
        head = srv.rpc("eth_blockNumber")["result"]
        srv.kill()

        srv2 = ServerProcess(url, tmp_path / "server2.log").start()
        try:
            assert srv2.rpc("eth_blockNumber")["result"] == head
            for r in (deploy, call, transfer):
                assert srv2.rpc("eth_getTransactionReceipt", r["transactionHash"])["result"] == r
            logs = srv2.rpc("eth_getLogs", {"fromBlock": "0x0", "address": contract, "topics": [TOPIC]})[
                "result"
            ]
            assert [lg["transactionHash"] for lg in logs] == [call["transactionHash"]]
            assert srv2.rpc("eth_getBalance", "0x" + "ab" * 20, "latest")["result"] == hex(12345)
            assert srv2.rpc("eth_getBalance", acct.address, "latest")["result"] == balance
            assert srv2.rpc("eth_getCode", contract, "latest")["result"] == "0x604260006000a100"
            # and the chain goes on from there
            nxt = send(srv2, acct, 3, to=contract)
            assert int(nxt["blockNumber"], 16) == int(head, 16) + 1
        finally:
            srv2.stop()
    finally:
        next(gen, None)


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_sigkill_under_load_keeps_every_acknowledged_transaction(dialect, tmp_path: Path):
    gen = make_database(dialect, tmp_path)
    url = next(gen)
    try:
        srv = ServerProcess(url, tmp_path / "server.log").start()
        acct = Account.from_key(KEYS[1])
        acked: list[dict] = []
        stop = threading.Event()

        def writer() -> None:
            nonce = 0
            while not stop.is_set() and nonce < 2000:
                try:
                    acked.append(send(srv, acct, nonce, to="0x" + "cd" * 20, value=1))
                except Exception:  # the server died under us: that is the point
                    return
                nonce += 1

        t = threading.Thread(target=writer)
        t.start()
        time.sleep(1.5)
        srv.kill()
        stop.set()
        t.join(30)
        assert acked, "no transaction was acknowledged before the kill"

        srv2 = ServerProcess(url, tmp_path / "server2.log").start()
        try:
            head = int(srv2.rpc("eth_blockNumber")["result"], 16)
            assert head >= int(acked[-1]["blockNumber"], 16)
            for r in acked:
                assert srv2.rpc("eth_getTransactionReceipt", r["transactionHash"])["result"] == r
            # every committed block is whole: its transactions all have receipts, and state matches them
            mined = 0
            for n in range(1, head + 1):
                block = srv2.rpc("eth_getBlockByNumber", hex(n), False)["result"]
                for h in block["transactions"]:
                    assert srv2.rpc("eth_getTransactionReceipt", h)["result"]["blockNumber"] == hex(n)
                    mined += 1
            assert srv2.rpc("eth_getBalance", "0x" + "cd" * 20, "latest")["result"] == hex(mined)
            assert srv2.rpc("eth_getTransactionCount", acct.address, "latest")["result"] == hex(mined)
        finally:
            srv2.stop()
    finally:
        next(gen, None)
