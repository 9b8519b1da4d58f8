"""Bad input gets the JSON-RPC error a client expects, over real HTTP, and changes nothing."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from eth_account import Account

KEY0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
ACCT = Account.from_key(KEY0)
OTHER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def post(server, body, **kw):
    return httpx.post(
        server.url, content=body, headers={"content-type": "application/json"}, timeout=30, **kw
    )


def block_number(server) -> int:
    return int(server.rpc("eth_blockNumber")["result"], 16)


def signed(server, **overrides) -> str:
    nonce = int(server.rpc("eth_getTransactionCount", ACCT.address, "latest")["result"], 16)
    tx = {
        "to": OTHER,
        "value": 1,
        "gas": 21000,
        "maxFeePerGas": 10**10,
        "maxPriorityFeePerGas": 1,
        "nonce": nonce,
        "chainId": 31337,
        "type": 2,
        **overrides,
    }
    return "0x" + bytes(ACCT.sign_transaction(tx).raw_transaction).hex()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", -32700),
        (b'{"jsonrpc":"2.0","id":1}', -32600),
        (b'{"jsonrpc":"1.0","id":1,"method":"eth_chainId"}', -32600),
        (b"[]", -32600),
        (b'{"jsonrpc":"2.0","id":1,"method":"eth_noSuchMethod","params":[]}', -32601),
        (b'{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["0xZZ","latest"]}', -32602),
        (b'{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["0x1234","latest"]}', -32602),
        (b'{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":[]}', -32602),
        (b'{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":"latest"}', -32602),
        (b'{"jsonrpc":"2.0","id":1,"method":"eth_sendRawTransaction","params":["0xdeadbeef"]}', -32602),
        (b'{"jsonrpc":"2.0","id":1,"method":"eth_call","params":[{"to":"0x12"}]}', -32602),
    ],
)
def test_malformed_requests_get_the_standard_codes(server, body, code):
    before = block_number(server)
    r = post(server, body)
    assert r.status_code == 200
    err = r.json()["error"]
    assert err["code"] == code, err
    assert err["message"]
    assert block_number(server) == before


def test_batch_mixes_results_and_errors_in_order(server):
    r = post(
        server, b'[{"jsonrpc":"2.0","id":1,"method":"eth_chainId"},{"jsonrpc":"2.0","id":2,"method":"nope"}]'
    )
    out = r.json()
    assert out[0] == {"jsonrpc": "2.0", "id": 1, "result": "0x7a69"}
    assert out[1]["id"] == 2 and out[1]["error"]["code"] == -32601


def test_oversize_body_and_batch_are_refused(server):
    r = post(server, b"[" + b" " * (6 * 1024 * 1024) + b"]")
    assert r.status_code == 413
    assert r.json()["error"]["code"] == -32600
    batch = b"[" + b",".join([b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}'] * 1001) + b"]"
    assert post(server, batch).json()["error"]["code"] == -32600


@pytest.mark.parametrize(
    ("overrides", "code", "fragment"),
    [
        ({"chainId": 1}, -32000, "chain"),
        ({"gas": 30_000_001}, -32000, "gas limit"),
        ({"gas": 20_000}, -32000, "intrinsic gas"),
        ({"value": 10**30}, -32003, "insufficient funds"),
        ({"maxFeePerGas": 1, "maxPriorityFeePerGas": 1}, -32000, "base fee"),
        ({"maxFeePerGas": 10**9, "maxPriorityFeePerGas": 2 * 10**9}, -32000, "priority fee"),
    ],
)
def test_invalid_transactions_are_rejected_before_execution(server, overrides, code, fragment):
    before = block_number(server)
    balance = server.rpc("eth_getBalance", ACCT.address, "latest")["result"]
    err = server.rpc("eth_sendRawTransaction", signed(server, **overrides))["error"]
    assert err["code"] == code, err
    assert fragment in err["message"].lower()
    assert block_number(server) == before
    assert server.rpc("eth_getBalance", ACCT.address, "latest")["result"] == balance


def test_replayed_transaction_is_nonce_too_low(server):
    raw = signed(server)
    first = server.rpc("eth_sendRawTransaction", raw)
    assert "result" in first, first
    after = block_number(server)
    replay = server.rpc("eth_sendRawTransaction", raw)["error"]
    assert replay["code"] in (-32003, -32000)
    assert "nonce too low" in replay["message"] or "already known" in replay["message"]
    stale = server.rpc("eth_sendRawTransaction", signed(server, nonce=0, value=2))["error"]
    assert stale["code"] == -32003 and "nonce too low" in stale["message"]
    assert block_number(server) == after


def test_bad_signature_is_rejected(server):
    import rlp

    secp256k1n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    raw = bytes.fromhex(signed(server)[2:])
    fields = rlp.decode(raw[1:])
    for bad_s in (secp256k1n - int.from_bytes(fields[11], "big"), 0):  # high-s (EIP-2) and zero
        fields[11] = bad_s.to_bytes(32, "big").lstrip(b"\x00")
        bad = "0x" + (raw[:1] + rlp.encode(fields)).hex()
        err = server.rpc("eth_sendRawTransaction", bad)["error"]
        assert err["code"] in (-32000, -32602), err
        assert "signature" in err["message"].lower() or "decode" in err["message"].lower(), err


def test_unknown_block_and_transaction(server):
    assert server.rpc("eth_getBlockByNumber", "0xffffff", False)["result"] is None
    assert server.rpc("eth_getBlockByHash", "0x" + "11" * 32, False)["result"] is None
    assert server.rpc("eth_getTransactionReceipt", "0x" + "22" * 32)["result"] is None
    err = server.rpc("eth_getBalance", OTHER, "0xffffff")["error"]
    assert err["code"] == -32001


def test_a_long_call_does_not_hold_up_other_requests(server):
    """A call that runs into the time limit (CALL_TIMEOUT_S, 5 s by default) is worked on a JSON-RPC
    thread, on a state of its own and without the chain lock: while it runs, the server answers other
    calls, mines transactions and serves the REST API."""
    loop_forever = "0x5b600056"  # JUMPDEST PUSH1 0 JUMP, run as the init code of a create call
    answers: dict[str, httpx.Response] = {}

    def slow() -> None:
        body = {"jsonrpc": "2.0", "id": 7, "method": "eth_call", "params": [{"data": loop_forever}, "latest"]}
        answers["slow"] = httpx.post(server.url, json=body, timeout=60)

    worker = threading.Thread(target=slow)
    worker.start()
    time.sleep(0.5)
    assert worker.is_alive(), answers.get("slow") and answers["slow"].text
    chain_id = server.rpc("eth_chainId")
    head = server.rpc("eth_blockNumber")
    rest = httpx.get(server.url + "/v1/audit/public-key", timeout=30)
    short_call = server.rpc("eth_call", {"to": OTHER, "data": "0x"}, "latest")
    tx_hash = server.rpc("eth_sendRawTransaction", signed(server))["result"]
    receipt = server.rpc("eth_getTransactionReceipt", tx_hash)["result"]
    call_still_running = worker.is_alive()
    worker.join(60)
    assert chain_id["result"] == "0x7a69"
    assert int(head["result"], 16) >= 0
    assert short_call["result"] == "0x"
    assert receipt["status"] == "0x1" and int(receipt["blockNumber"], 16) > int(head["result"], 16)
    assert rest.status_code == 200 and len(rest.json()["public_key"]) == 64
    assert call_still_running, "the other requests were answered only after the long call ended"
    error = answers["slow"].json()["error"]
    assert error["code"] == -32603 and "timed out" in error["message"]
