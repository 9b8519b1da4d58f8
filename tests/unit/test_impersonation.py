"""Impersonation in process: an impersonated address sends with eth_sendTransaction without its key; the
transaction is mined, recorded and read back as sent by that address (also after a restart, and when
replayed by the tracer), while a client can never forge such a sender with a raw transaction."""

from __future__ import annotations

import pytest

from tests.unit.test_chain_rpc import call, ok, open_rpc

WHALE = "0x" + "ab" * 20
TO = "0x" + "cd" * 20


@pytest.fixture
def rpc(db_url):
    r = open_rpc(db_url)
    yield r
    r.chain.close()


def transfer(rpc, sender: str, value: int = 7, **extra) -> dict:
    return call(rpc, "eth_sendTransaction", {"from": sender, "to": TO, "value": hex(value), **extra})


def test_impersonated_address_sends_without_its_key(rpc):
    assert transfer(rpc, WHALE)["error"]["code"] == -32000  # no key, not impersonated
    ok(rpc, "anvil_setBalance", WHALE, hex(10**18))
    assert ok(rpc, "anvil_impersonateAccount", WHALE) is None
    tx_hash = ok(rpc, "eth_sendTransaction", {"from": WHALE, "to": TO, "value": "0x7"})
    receipt = ok(rpc, "eth_getTransactionReceipt", tx_hash)
    assert receipt["status"] == "0x1" and receipt["from"] == WHALE
    tx = ok(rpc, "eth_getTransactionByHash", tx_hash)
    assert tx["from"] == WHALE and tx["hash"] == tx_hash
    assert ok(rpc, "eth_getBlockByNumber", receipt["blockNumber"], True)["transactions"][0]["from"] == WHALE
    assert ok(rpc, "eth_getBalance", TO, "latest") == "0x7"
    assert ok(rpc, "eth_getTransactionCount", WHALE, "latest") == "0x1"
    # the tracer replays the stored block: the impersonated sender again
    trace = ok(rpc, "debug_traceTransaction", tx_hash, {"tracer": "callTracer"})
    assert trace["from"] == WHALE and trace["value"] == "0x7"
    assert ok(rpc, "hardhat_stopImpersonatingAccount", WHALE) is None
    assert transfer(rpc, WHALE)["error"]["code"] == -32000


def test_impersonated_transactions_read_back_after_a_restart(sqlite_url):
    rpc = open_rpc(sqlite_url)
    ok(rpc, "anvil_setBalance", WHALE, hex(10**18))
    ok(rpc, "hardhat_impersonateAccount", WHALE)
    legacy = ok(
        rpc, "eth_sendTransaction", {"from": WHALE, "to": TO, "value": "0x1", "gasPrice": hex(2 * 10**9)}
    )
    typed = ok(rpc, "eth_sendTransaction", {"from": WHALE, "to": TO, "value": "0x2"})
    rpc.chain.close()
    rpc = open_rpc(sqlite_url)
    for h, value, kind in ((legacy, "0x1", "0x0"), (typed, "0x2", "0x2")):
        tx = ok(rpc, "eth_getTransactionByHash", h)
        assert (tx["from"], tx["value"], tx["type"]) == (WHALE, value, kind)
    # impersonation is the running node's state, as on anvil: gone after the restart
    assert transfer(rpc, WHALE)["error"]["code"] == -32000
    rpc.chain.close()


def test_auto_impersonation_and_an_impersonated_contract(rpc):
    contract = "0x" + "ce" * 20
    ok(rpc, "anvil_setCode", contract, "0x00")
    ok(rpc, "anvil_setBalance", contract, hex(10**18))
    assert call(rpc, "anvil_autoImpersonateAccount", "yes")["error"]["code"] == -32602
    ok(rpc, "anvil_autoImpersonateAccount", True)
    sent = ok(rpc, "eth_sendTransaction", {"from": contract, "to": TO})
    receipt = ok(rpc, "eth_getTransactionReceipt", sent)
    assert receipt["from"] == contract and receipt["status"] == "0x1"  # EIP-3607 off for it, as on anvil
    ok(rpc, "anvil_autoImpersonateAccount", False)
    assert transfer(rpc, contract)["error"]["code"] == -32000


def test_a_raw_transaction_cannot_forge_an_impersonated_sender(rpc):
    """The fake signature names the sender in r (s = 1); submitted raw, it recovers some other address
    and moves nothing of the named one's, and is never read back as the named one's."""
    ok(rpc, "anvil_setBalance", WHALE, hex(10**18))
    ok(rpc, "anvil_impersonateAccount", WHALE)
    h = ok(rpc, "eth_sendTransaction", {"from": WHALE, "to": TO, "value": "0x1"})
    raw = rpc.chain.transaction(bytes.fromhex(h[2:])).raw
    forged = rpc.chain.decode_transaction(raw).copy(nonce=1)
    answer = call(rpc, "eth_sendRawTransaction", "0x" + forged.encode().hex())
    assert "error" in answer
    assert ok(rpc, "eth_getTransactionCount", WHALE, "latest") == "0x1"
    assert ok(rpc, "eth_getBalance", TO, "latest") == "0x1"


def test_production_has_no_impersonation(sqlite_url):
    rpc = open_rpc(sqlite_url, env="production")
    for method in ("anvil_impersonateAccount", "hardhat_impersonateAccount", "anvil_autoImpersonateAccount"):
        assert call(rpc, method, WHALE)["error"]["code"] == -32601
    assert transfer(rpc, WHALE)["error"]["code"] == -32601  # eth_sendTransaction is off too
    rpc.chain.close()
