"""EIP-2935 on the dev chain: the block-hash history contract is in genesis, as in anvil's Prague genesis
(found by the differential fuzzer: ours had an empty account there, so a call to it succeeded with no data
where anvil's reverted or answered a hash)."""

from __future__ import annotations

HISTORY = "0x0000F90827F1C53a10cb7A02335B175320002935"


def test_the_history_contract_answers_the_hash_of_a_recent_block(ours):
    assert ours("eth_getCode", HISTORY, "latest").startswith(
        "0x3373fffffffffffffffffffffffffffffffffffffffe14"
    )
    ours("evm_mine")
    ours("evm_mine")
    ours("evm_mine")
    block2 = ours("eth_getBlockByNumber", "0x2", False)["hash"]
    answer = ours("eth_call", {"to": HISTORY, "data": "0x" + (2).to_bytes(32, "big").hex()}, "latest")
    assert answer == block2


def test_the_history_contract_refuses_the_current_block(ours):
    ours("evm_mine")
    ours("evm_mine")
    data = "0x" + (3).to_bytes(32, "big").hex()  # the block the call runs in is not history yet
    out = ours.dispatch(
        {"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [{"to": HISTORY, "data": data}, "latest"]}
    )
    assert out["error"]["code"] == 3  # execution reverted
