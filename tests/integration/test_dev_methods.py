"""The dev-node methods beyond the core set, against anvil as the reference: state cheatcodes,
evm_setNextBlockTimestamp, signing with the dev accounts, and the per-block transaction and receipt reads.
Our chain records each cheatcode in a block of its own (anvil does not), so block numbers differ between
the two nodes and only what the methods answer is compared."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_utils import to_checksum_address

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

DEV0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
KEY9 = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6"  # dev account 9
RETURN_SLOT_1 = "0x60015460005260206000f3"  # SLOAD(1), MSTORE at 0, RETURN 32 bytes
TYPED = {
    "types": {
        "EIP712Domain": [
            {"name": "name", "type": "string"},
            {"name": "chainId", "type": "uint256"},
            {"name": "verifyingContract", "type": "address"},
        ],
        "Mail": [{"name": "to", "type": "address"}, {"name": "contents", "type": "string"}],
    },
    "primaryType": "Mail",
    "domain": {"name": "Aurigraph", "chainId": 31337, "verifyingContract": "0x" + "cc" * 20},
    "message": {"to": "0x" + "bb" * 20, "contents": "hello"},
}


def both(nodes, method, *params):
    return [node.rpc(method, *params) for node in nodes]


def results(nodes, method, *params):
    answers = both(nodes, method, *params)
    for a in answers:
        assert "result" in a, (method, a)
    return [a["result"] for a in answers]


def latest(node) -> dict:
    return node.rpc("eth_getBlockByNumber", "latest", False)["result"]


def send_from_9(node, to: str, value: int = 0, nonce: int | None = None) -> dict:
    """A transfer (or call) signed by dev account 9, sent raw; returns its receipt."""
    acct = Account.from_key(KEY9)
    if nonce is None:
        nonce = int(node.rpc("eth_getTransactionCount", acct.address, "latest")["result"], 16)
    tx = {
        "to": to_checksum_address(to),
        "value": value,
        "gas": 60_000,
        "maxFeePerGas": 100 * 10**9,
        "maxPriorityFeePerGas": 1,
        "nonce": nonce,
        "chainId": 31337,
        "type": 2,
    }
    sent = node.rpc("eth_sendRawTransaction", "0x" + bytes(acct.sign_transaction(tx).raw_transaction).hex())
    assert "result" in sent, sent
    return node.rpc("eth_getTransactionReceipt", sent["result"])["result"]


def test_set_code_nonce_and_storage_read_back_as_on_anvil(nodes):
    target = "0x" + "a1" * 20
    word = "0x" + "00" * 31 + "2a"
    assert results(nodes, "anvil_setCode", target, RETURN_SLOT_1) == [None, None]
    assert results(nodes, "anvil_setStorageAt", target, "0x1", word) == [True, True]
    ours, anvil = results(nodes, "eth_getCode", target, "latest")
    assert ours == anvil == RETURN_SLOT_1
    ours, anvil = results(nodes, "eth_getStorageAt", target, "0x1", "latest")
    assert ours == anvil == word
    # the code runs, and reads the slot that was set
    ours, anvil = results(nodes, "eth_call", {"to": target, "data": "0x"}, "latest")
    assert ours == anvil == word
    assert results(nodes, "hardhat_setNonce", target, "0x7") == [None, None]
    ours, anvil = results(nodes, "eth_getTransactionCount", target, "latest")
    assert ours == anvil == "0x7"
    assert results(nodes, "hardhat_setCode", target, "0x") == [None, None]
    assert results(nodes, "eth_getCode", target, "latest") == ["0x", "0x"]


def test_set_nonce_lets_the_account_send_with_the_new_nonce(nodes):
    acct = Account.from_key(KEY9)
    results(nodes, "anvil_setNonce", acct.address, hex(40))
    for node in nodes:
        assert send_from_9(node, "0x" + "5a" * 20, value=1, nonce=40)["status"] == "0x1"
    assert results(nodes, "eth_getTransactionCount", acct.address, "latest") == [hex(41), hex(41)]


def test_malformed_cheatcode_params_are_invalid_params_on_both(nodes):
    short_word = both(nodes, "anvil_setStorageAt", "0x" + "a2" * 20, "0x1", "0xff")
    bad_address = both(nodes, "anvil_setCode", "0x1234", "0x00")
    for answers in (short_word, bad_address):
        assert [a["error"]["code"] for a in answers] == [-32602, -32602], answers


def test_next_block_timestamp_is_used_and_the_clock_counts_on_from_it(nodes):
    for node in nodes:
        target = int(latest(node)["timestamp"], 16) + 100_000
        assert node.rpc("evm_setNextBlockTimestamp", target)["result"] is None
        node.rpc("evm_mine")
        assert int(latest(node)["timestamp"], 16) == target
        node.rpc("evm_mine")
        after = int(latest(node)["timestamp"], 16)
        assert target <= after < target + 60  # counts on from the chosen time, not from the wall clock
        past = node.rpc("evm_setNextBlockTimestamp", hex(after - 10))
        assert past["error"]["code"] == -32602, past


def test_signatures_are_anvils_and_recover_to_the_account(nodes):
    message = "0x" + b"sign me".hex()
    ours, anvil = results(nodes, "eth_sign", DEV0, message)
    assert ours == anvil
    assert Account.recover_message(encode_defunct(b"sign me"), signature=ours) == DEV0
    assert results(nodes, "personal_sign", message, DEV0) == [ours, ours]
    ours, anvil = results(nodes, "eth_signTypedData_v4", DEV0, TYPED)
    assert ours == anvil
    assert Account.recover_message(encode_typed_data(full_message=TYPED), signature=ours) == DEV0
    for node in nodes:
        assert "error" in node.rpc("eth_sign", "0x" + "77" * 20, message)  # no key for it
    broken = {**TYPED, "primaryType": "Missing"}
    assert nodes[0].rpc("eth_signTypedData_v4", DEV0, broken)["error"]["code"] == -32602


def test_block_receipts_and_transactions_by_index_match_the_single_reads(nodes):
    for node in nodes:
        receipt = send_from_9(node, "0x" + "5b" * 20, value=5)
        h = receipt["transactionHash"]
        block_hash, number = receipt["blockHash"], receipt["blockNumber"]
        assert node.rpc("eth_getBlockReceipts", number)["result"] == [receipt]
        assert node.rpc("eth_getBlockReceipts", block_hash)["result"] == [receipt]
        assert node.rpc("eth_getBlockReceipts", hex(int(number, 16) + 1000))["result"] is None
        by_hash = node.rpc("eth_getTransactionByHash", h)["result"]
        assert node.rpc("eth_getTransactionByBlockNumberAndIndex", number, "0x0")["result"] == by_hash
        assert node.rpc("eth_getTransactionByBlockHashAndIndex", block_hash, "0x0")["result"] == by_hash
        assert node.rpc("eth_getTransactionByBlockNumberAndIndex", number, "0x1")["result"] is None
        assert node.rpc("eth_getBlockTransactionCountByHash", block_hash)["result"] == "0x1"
        assert node.rpc("eth_getBlockTransactionCountByHash", "0x" + "00" * 32)["result"] is None
    ours, anvil = (set(n.rpc("eth_getBlockReceipts", "latest")["result"][0]) for n in nodes)
    # every receipt field anvil gives, but the blob fields (no blobs here) and blockTimestamp (which
    # anvil gives as a JSON number on receipts; we give it, in hex, on each log, as anvil and geth do)
    assert ours >= anvil - {"blobGasPrice", "blobGasUsed", "blockTimestamp"}, anvil - ours


RETURN_OWN_BALANCE = "0x303160005260206000f3"  # BALANCE(ADDRESS), MSTORE at 0, RETURN 32 bytes


def test_eth_call_state_overrides_answer_as_anvil_and_leave_nothing_behind(nodes):
    target = "0x" + "a3" * 20
    word = "0x" + "00" * 31 + "2a"
    slot1 = "0x" + "00" * 31 + "01"
    overrides = {target: {"code": RETURN_SLOT_1, "stateDiff": {slot1: word}}}
    ours, anvil = results(nodes, "eth_call", {"to": target, "data": "0x"}, "latest", overrides)
    assert ours == anvil == word
    assert results(nodes, "eth_getCode", target, "latest") == ["0x", "0x"]  # only for that call
    assert results(nodes, "eth_call", {"to": target, "data": "0x"}, "latest") == ["0x", "0x"]
    rich = {target: {"code": RETURN_OWN_BALANCE, "balance": hex(12345)}}
    ours, anvil = results(nodes, "eth_call", {"to": target, "data": "0x"}, "latest", rich)
    assert ours == anvil and int(ours, 16) == 12345
    # `state` replaces the whole storage: a slot set on chain reads as zero under it
    results(nodes, "anvil_setCode", target, RETURN_SLOT_1)
    results(nodes, "anvil_setStorageAt", target, slot1, word)
    other_slot = {"0x" + "00" * 31 + "02": word}
    ours, anvil = results(nodes, "eth_call", {"to": target}, "latest", {target: {"state": other_slot}})
    assert ours == anvil == "0x" + "00" * 32
    assert results(nodes, "eth_call", {"to": target}, "latest") == [word, word]  # the chain kept it
    both_kinds = {target: {"state": other_slot, "stateDiff": other_slot}}
    for answer in both(nodes, "eth_call", {"to": target}, "latest", both_kinds):
        assert "error" in answer, answer


def test_logs_carry_their_blocks_timestamp_as_on_anvil(nodes):
    emitter = "0x" + "a4" * 20
    results(nodes, "anvil_setCode", emitter, "0x60006000a000")  # LOG0 of nothing, then STOP
    for node in nodes:
        receipt = send_from_9(node, emitter)
        block = node.rpc("eth_getBlockByNumber", receipt["blockNumber"], False)["result"]
        (log,) = receipt["logs"]
        assert log["blockTimestamp"] == block["timestamp"]
        query = {"address": emitter, "fromBlock": receipt["blockNumber"], "toBlock": receipt["blockNumber"]}
        (found,) = node.rpc("eth_getLogs", query)["result"]
        assert found == log
