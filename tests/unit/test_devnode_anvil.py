"""anvil's dev surface in process, on SQLite and PostgreSQL: eth_getProof verified against the block's
state root, eth_createAccessList against a real transaction carrying the list, anvil_reset, the next
block's header fields, anvil_mine with an interval, eth_feeHistory's blob fields."""

from __future__ import annotations

import pytest
import rlp
from eth.rlp.accounts import Account as AccountRlp
from eth_utils import keccak
from trie import HexaryTrie

from tests.unit.test_chain_rpc import call, ok, open_rpc

DEV0 = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
A, B = "0x" + "a1" * 20, "0x" + "b2" * 20
B_CODE = "0x6005545000"  # PUSH1 5, SLOAD, POP, STOP
A_CODE = "0x" + "6000" * 5 + "73" + B[2:] + "5af15000"  # CALL(gas, B, 0, 0, 0, 0, 0), POP, STOP


@pytest.fixture
def rpc(db_url):
    r = open_rpc(db_url)
    yield r
    r.chain.close()


def head(rpc) -> dict:
    return ok(rpc, "eth_getBlockByNumber", "latest", False)


def verified(root: str, key: bytes, proof: list[str]) -> bytes:
    nodes = [rlp.decode(bytes.fromhex(n[2:])) for n in proof]
    return HexaryTrie.get_from_proof(bytes.fromhex(root[2:]), keccak(key), nodes)


def test_get_proof_verifies_against_the_state_root(rpc):
    ok(rpc, "anvil_setCode", A, B_CODE)
    ok(rpc, "anvil_setStorageAt", A, "0x5", "0x" + "00" * 31 + "2a")
    root = head(rpc)["stateRoot"]
    proof = ok(rpc, "eth_getProof", A, ["0x" + "00" * 31 + "05", "0x6"], "latest")
    account = rlp.decode(verified(root, bytes.fromhex(A[2:]), proof["accountProof"]), sedes=AccountRlp)
    assert hex(account.balance) == proof["balance"] and hex(account.nonce) == proof["nonce"]
    assert (
        "0x" + account.code_hash.hex() == proof["codeHash"] == "0x" + keccak(bytes.fromhex(B_CODE[2:])).hex()
    )
    assert "0x" + account.storage_root.hex() == proof["storageHash"]
    set_slot, empty_slot = proof["storageProof"]
    assert set_slot["value"] == "0x2a" and empty_slot["value"] == "0x0"
    slot5 = verified(proof["storageHash"], (5).to_bytes(32, "big"), set_slot["proof"])
    assert rlp.decode(slot5, sedes=rlp.sedes.big_endian_int) == 42
    assert verified(proof["storageHash"], (6).to_bytes(32, "big"), empty_slot["proof"]) == b""
    # an account that does not exist is proven absent; a past block has its own root
    absent = ok(rpc, "eth_getProof", "0x" + "99" * 20, [], "latest")
    assert verified(root, b"\x99" * 20, absent["accountProof"]) == b"" and absent["balance"] == "0x0"
    past = ok(rpc, "eth_getProof", A, [], "0x0")
    assert past["codeHash"] == "0x" + keccak(b"").hex()
    assert call(rpc, "eth_getProof", A, "0x5")["error"]["code"] == -32602


def test_get_account_info(rpc):
    ok(rpc, "anvil_setCode", A, B_CODE)
    ok(rpc, "anvil_setBalance", A, "0x64")
    assert ok(rpc, "eth_getAccountInfo", A, "latest") == {"balance": "0x64", "nonce": "0x0", "code": B_CODE}
    assert ok(rpc, "eth_getAccountInfo", A, "0x0") == {"balance": "0x0", "nonce": "0x0", "code": "0x"}


def test_create_access_list_matches_a_transaction_carrying_it(rpc):
    ok(rpc, "anvil_setCode", A, A_CODE)
    ok(rpc, "anvil_setCode", B, B_CODE)
    answer = ok(rpc, "eth_createAccessList", {"from": DEV0, "to": A, "gas": "0x30000"}, "latest")
    assert answer["accessList"] == [{"address": B, "storageKeys": ["0x" + "00" * 31 + "05"]}]
    sent = ok(
        rpc,
        "eth_sendTransaction",
        {"from": DEV0, "to": A, "gas": "0x30000", "accessList": answer["accessList"]},
    )
    assert ok(rpc, "eth_getTransactionReceipt", sent)["gasUsed"] == answer["gasUsed"]
    # without the list the same call costs more (cold account and slot)
    plain = ok(rpc, "eth_sendTransaction", {"from": DEV0, "to": A, "gas": "0x30000"})
    assert int(ok(rpc, "eth_getTransactionReceipt", plain)["gasUsed"], 16) > int(answer["gasUsed"], 16)


def test_next_block_header_fields_carry_over_and_persist(sqlite_url):
    rpc = open_rpc(sqlite_url)
    assert ok(rpc, "evm_setBlockGasLimit", hex(16_000_000)) is True
    assert ok(rpc, "anvil_setCoinbase", B) is None
    assert ok(rpc, "hardhat_setNextBlockBaseFeePerGas", hex(7 * 10**9)) is None
    ok(rpc, "evm_mine")
    first = head(rpc)
    assert (first["gasLimit"], first["miner"], first["baseFeePerGas"]) == (hex(16_000_000), B, hex(7 * 10**9))
    ok(rpc, "evm_mine")
    second = head(rpc)
    assert (second["gasLimit"], second["miner"]) == (hex(16_000_000), B)
    assert int(second["baseFeePerGas"], 16) < 7 * 10**9  # computed from its parent again (empty block)
    assert call(rpc, "evm_setBlockGasLimit", "0x10")["error"]["code"] == -32602
    rpc.chain.close()
    rpc = open_rpc(sqlite_url)  # the header fields are in the blocks: they survive a restart
    ok(rpc, "evm_mine")
    assert (head(rpc)["gasLimit"], head(rpc)["miner"]) == (hex(16_000_000), B)
    rpc.chain.close()


def test_anvil_mine_with_an_interval(rpc):
    before = int(head(rpc)["timestamp"], 16)
    assert ok(rpc, "anvil_mine", "0x3", "0x3c") is None
    stamps = [int(ok(rpc, "eth_getBlockByNumber", hex(n), False)["timestamp"], 16) for n in (1, 2, 3)]
    assert stamps[1] - stamps[0] == stamps[2] - stamps[1] == 60 and stamps[0] >= before + 60
    ok(rpc, "hardhat_mine", "0x2")
    assert ok(rpc, "eth_blockNumber") == "0x5"


def test_anvil_reset_starts_a_fresh_chain_in_the_same_database(sqlite_url):
    rpc = open_rpc(sqlite_url)
    genesis = ok(rpc, "eth_getBlockByNumber", "0x0", False)["hash"]
    balance = ok(rpc, "eth_getBalance", DEV0, "latest")
    instance = ok(rpc, "hardhat_metadata")["instanceId"]
    sent = ok(rpc, "eth_sendTransaction", {"from": DEV0, "to": B, "value": "0x5"})
    ok(rpc, "evm_increaseTime", 10_000)
    ok(rpc, "anvil_impersonateAccount", A)
    fid = ok(rpc, "eth_newBlockFilter")
    assert ok(rpc, "anvil_reset") is None
    assert ok(rpc, "eth_blockNumber") == "0x0"
    assert (
        ok(rpc, "eth_getBalance", DEV0, "latest") == balance
        and ok(rpc, "eth_getBalance", B, "latest") == "0x0"
    )
    assert ok(rpc, "eth_getTransactionReceipt", sent) is None
    assert ok(rpc, "hardhat_metadata")["instanceId"] != instance
    assert call(rpc, "eth_sendTransaction", {"from": A, "to": B})["error"]["code"] == -32000
    ok(rpc, "evm_mine")
    assert ok(rpc, "eth_getFilterChanges", fid) == [head(rpc)["hash"]]
    assert (
        int(head(rpc)["timestamp"], 16)
        < int(ok(rpc, "eth_getBlockByNumber", "0x0", False)["timestamp"], 16) + 5000
    )
    assert call(rpc, "hardhat_reset", {"forking": {"jsonRpcUrl": "http://x"}})["error"]["code"] == -32602
    rpc.chain.close()
    rpc = open_rpc(sqlite_url)
    assert (
        ok(rpc, "eth_blockNumber") == "0x1"
        and ok(rpc, "eth_getBlockByNumber", "0x0", False)["hash"] == genesis
    )
    rpc.chain.close()


def test_fee_history_has_the_blob_fields(rpc):
    ok(rpc, "evm_mine")
    history = ok(rpc, "eth_feeHistory", "0x2", "latest", [])
    assert history["baseFeePerBlobGas"] == ["0x1"] * 3 and history["blobGasUsedRatio"] == [0.0, 0.0]


def test_production_has_none_of_these(sqlite_url):
    rpc = open_rpc(sqlite_url, env="production")
    for method in (
        "anvil_reset",
        "hardhat_reset",
        "evm_setBlockGasLimit",
        "anvil_setCoinbase",
        "anvil_setNextBlockBaseFeePerGas",
        "anvil_setAutomine",
        "anvil_snapshot",
        "anvil_revert",
    ):
        assert call(rpc, method)["error"]["code"] == -32601, method
    assert "result" in call(rpc, "eth_getProof", A, [], "latest")  # public reads
    assert "result" in call(rpc, "eth_getAccountInfo", A, "latest")
    rpc.chain.close()
