"""eth_subscribe over a real socket with web3.py's WebSocketProvider; a stalled subscriber never delays
blocks and is disconnected once it falls too far behind."""

from __future__ import annotations

import asyncio
import time

import orjson
import pytest
import websockets
from eth_account import Account
from web3 import AsyncWeb3, WebSocketProvider

from tests.conftest import make_database
from tests.serverproc import ServerProcess
from tests.signing import raw_tx

KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"  # dev account 2
ACCT = Account.from_key(KEY)
# runtime: LOG1 with topic = first calldata word
LOGGER_INIT = "0x600d600c600039600d6000f3" + "60003560006000a1" + "00" * 5


@pytest.fixture(scope="module")
def ws_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ws")
    gen = make_database("sqlite", tmp)
    srv = ServerProcess(next(gen), tmp / "server.log", AURIGRAPH_WS_QUEUE_LIMIT="20").start()
    yield srv
    srv.stop()
    next(gen, None)


def send(srv, nonce, **tx) -> dict:
    h = srv.rpc("eth_sendRawTransaction", raw_tx(ACCT, nonce, **tx))["result"]
    return srv.rpc("eth_getTransactionReceipt", h)["result"]


def nonce(srv) -> int:
    return int(srv.rpc("eth_getTransactionCount", ACCT.address, "pending")["result"], 16)


def test_web3_receives_new_heads_and_filtered_logs(ws_server):
    contract = send(ws_server, nonce(ws_server), data=LOGGER_INIT)["contractAddress"]
    wanted = "0x" + "07".rjust(64, "0")

    async def scenario():
        async with AsyncWeb3(WebSocketProvider(ws_server.url.replace("http", "ws"))) as w3:
            heads = await w3.eth.subscribe("newHeads")
            logs = await w3.eth.subscribe("logs", {"address": contract, "topics": [wanted]})
            n = nonce(ws_server)
            await asyncio.to_thread(send, ws_server, n, to=contract, data="0x" + "05".rjust(64, "0"))
            sent_at = time.monotonic()
            receipt = await asyncio.to_thread(send, ws_server, n + 1, to=contract, data=wanted)
            seen_heads, seen_logs = [], []

            async def collect():
                async for msg in w3.socket.process_subscriptions():
                    assert msg["subscription"] in (heads, logs)
                    (seen_heads if msg["subscription"] == heads else seen_logs).append(msg["result"])
                    if len(seen_heads) >= 2 and seen_logs:
                        return

            await asyncio.wait_for(collect(), 10)
            assert time.monotonic() - sent_at < 5
            assert [h["number"] for h in seen_heads][-1] == int(receipt["blockNumber"], 16)
            assert len(seen_logs) == 1 and seen_logs[0]["topics"][0].hex() == wanted[2:]
            assert seen_logs[0]["transactionHash"].to_0x_hex() == receipt["transactionHash"]
            assert await w3.eth.unsubscribe(heads) is True
            again = await w3.provider.make_request("eth_unsubscribe", [heads])
            assert again["result"] is False

    asyncio.run(scenario())


def test_stalled_subscriber_does_not_delay_blocks(ws_server):
    url = ws_server.url.replace("http", "ws")

    async def scenario():
        # a client that subscribes and then never reads
        stalled = await websockets.connect(url, max_size=2**20, max_queue=4)
        for i in range(50):  # 50 subscriptions: every block sends it 50 notifications
            await stalled.send(
                orjson.dumps({"jsonrpc": "2.0", "id": i, "method": "eth_subscribe", "params": ["newHeads"]})
            )
            await stalled.recv()
        stalled.transport.pause_reading()
        n = nonce(ws_server)
        durations = []
        for i in range(60):
            t = time.monotonic()
            r = await asyncio.to_thread(send, ws_server, n + i, to="0x" + "99" * 20, value=1)
            durations.append(time.monotonic() - t)
            assert r["status"] == "0x1"
        assert max(durations) < 2.0, durations
        # past its queue limit the server hung up on it; the server is still fine
        stalled.transport.resume_reading()
        with pytest.raises(websockets.ConnectionClosed):
            for _ in range(20_000):
                await asyncio.wait_for(stalled.recv(), 5)
        assert ws_server.rpc("eth_chainId")["result"] == "0x7a69"

    asyncio.run(scenario())
