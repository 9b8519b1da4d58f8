"""anvil's dev surface that Hardhat, Foundry, ethers and viem call, against anvil 1.7.1 as the reference:
the node's identity (hardhat_metadata, anvil_nodeInfo), impersonation, and the rest of item 6 of issue 12.
Where our answer differs by design, the test names the difference (README, "What is different from anvil")."""

from __future__ import annotations

import pytest

from tests.integration.rpcresults import both, latest, result

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

DEV0 = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"


def test_client_version_is_accepted_by_hardhat_helpers_on_both(nodes):
    ours, anvil = both(nodes, "web3_clientVersion")
    assert anvil.startswith("anvil/v1.7.1")
    assert ours.startswith("anvil/v1.7.1-compatible aurigraph/")


def test_automine_queries_as_anvil(nodes):
    """Ignition asks hardhat_getAutomine to tell a dev node (one confirmation) from a live network."""
    assert both(nodes, "hardhat_getAutomine") == [True, True]
    assert both(nodes, "anvil_getAutomine") == [True, True]


def test_hardhat_metadata_as_anvil(nodes):
    ours, anvil = both(nodes, "hardhat_metadata")
    # anvil adds clientSemver and clientCommitSha (its build); every key Hardhat and Ignition read is shared
    assert set(ours) <= set(anvil)
    assert set(anvil) - set(ours) == {"clientSemver", "clientCommitSha"}
    for node, meta in zip(nodes, (ours, anvil), strict=True):
        head = latest(node)
        assert meta["chainId"] == 31337
        assert meta["latestBlockNumber"] == int(head["number"], 16)
        assert meta["latestBlockHash"] == head["hash"]
        assert meta["forkedNetwork"] is None and meta["snapshots"] == {}
        assert meta["clientVersion"] == result(node, "web3_clientVersion")
        assert len(meta["instanceId"]) == 66
        assert result(node, "hardhat_metadata")["instanceId"] == meta["instanceId"]


def test_anvil_node_info_as_anvil(nodes):
    ours, anvil = both(nodes, "anvil_nodeInfo")
    assert set(ours) == set(anvil)
    assert ours["environment"].keys() == anvil["environment"].keys()
    assert ours["forkConfig"] == anvil["forkConfig"]
    assert ours["hardFork"] == anvil["hardFork"] == "Prague"
    for key in ("chainId", "gasLimit"):
        assert ours["environment"][key] == anvil["environment"][key]
    # documented: anvil orders a block's transactions by fees, ours by arrival (anvil's --order fifo)
    assert (ours["transactionOrder"], anvil["transactionOrder"]) == ("fifo", "fees")
    for node, info in zip(nodes, (ours, anvil), strict=True):
        head = latest(node)
        assert info["currentBlockNumber"] == head["number"] and info["currentBlockHash"] == head["hash"]
        assert isinstance(info["currentBlockTimestamp"], int)
        assert info["environment"]["gasPrice"] == result(node, "eth_gasPrice")
    # anvil 1.7.1 answers currentBlockTimestamp 1 whatever the head's time (its genesis env); ours the head's
    assert ours["currentBlockTimestamp"] == int(latest(nodes[0])["timestamp"], 16)


WHALE = "0x" + "ab" * 20
TO = "0x" + "cd" * 20


def test_impersonation_as_anvil(nodes):
    send = {"from": WHALE, "to": TO, "value": "0x7"}
    refused = [node.rpc("eth_sendTransaction", send)["error"]["code"] for node in nodes]
    assert refused == [-32000, -32602]  # documented: anvil answers "No Signer available" as -32602
    both(nodes, "anvil_setBalance", WHALE, hex(10**18))
    assert both(nodes, "anvil_impersonateAccount", WHALE) == [None, None]
    hashes = both(nodes, "eth_sendTransaction", send)
    receipts = [result(n, "eth_getTransactionReceipt", h) for n, h in zip(nodes, hashes, strict=True)]
    txs = [result(n, "eth_getTransactionByHash", h) for n, h in zip(nodes, hashes, strict=True)]
    for receipt, tx in zip(receipts, txs, strict=True):
        assert receipt["from"] == tx["from"] == WHALE and receipt["status"] == "0x1"
        assert (tx["value"], tx["type"], tx["nonce"]) == ("0x7", "0x2", "0x0")
    # documented: anvil shows r = s = 0; ours carries the sender in r and s = 1 (so it can be replayed)
    assert (txs[1]["r"], txs[1]["s"]) == ("0x0", "0x0")
    assert (int(txs[0]["r"], 16), txs[0]["s"]) == (int(WHALE, 16), "0x1")
    assert both(nodes, "eth_getBalance", TO, "latest") == ["0x7", "0x7"]
    assert both(nodes, "hardhat_stopImpersonatingAccount", WHALE) == [None, None]
    assert [node.rpc("eth_sendTransaction", send)["error"]["code"] for node in nodes] == refused
    assert both(nodes, "anvil_autoImpersonateAccount", True) == [None, None]
    assert all(result(n, "eth_getTransactionReceipt", result(n, "eth_sendTransaction", send)) for n in nodes)
    assert both(nodes, "anvil_autoImpersonateAccount", False) == [None, None]
    assert both(nodes, "eth_getBalance", TO, "latest") == ["0xe", "0xe"]


A, B = "0x" + "a1" * 20, "0x" + "b2" * 20
B_CODE = "0x6005545000"  # PUSH1 5, SLOAD, POP, STOP
A_CODE = "0x" + "6000" * 5 + "73" + B[2:] + "5af15000"  # CALL(gas, B, 0, 0, 0, 0, 0), POP, STOP
WORD = "0x" + "00" * 31 + "2a"


def test_state_reads_and_access_lists_as_anvil(nodes):
    both(nodes, "anvil_setCode", A, A_CODE)
    both(nodes, "anvil_setCode", B, B_CODE)
    both(nodes, "anvil_setStorageAt", B, "0x5", WORD)
    both(nodes, "anvil_setBalance", B, "0x64")
    ours, anvil = both(nodes, "eth_getAccountInfo", B, "latest")
    assert ours == anvil == {"balance": "0x64", "nonce": "0x0", "code": B_CODE}
    ours, anvil = both(nodes, "eth_getProof", B, ["0x" + "00" * 31 + "05", "0x" + "00" * 31 + "06"], "latest")
    # same account and storage trie on both: everything but the path from the (different) state roots
    del ours["accountProof"], anvil["accountProof"]
    assert ours == anvil
    call = {"from": DEV0, "to": A, "gas": "0x30000"}
    ours, anvil = both(nodes, "eth_createAccessList", call, "latest")
    assert ours == anvil
    assert ours["accessList"] == [{"address": B, "storageKeys": ["0x" + "00" * 31 + "05"]}]


def test_fee_history_blob_fields_as_anvil(nodes):
    both(nodes, "evm_mine")
    ours, anvil = both(nodes, "eth_feeHistory", "0x2", "latest", [25, 75])
    assert set(ours) == set(anvil)
    for key in ("baseFeePerBlobGas", "blobGasUsedRatio"):
        assert ours[key] == anvil[key]


def test_next_block_header_and_automine_as_anvil(nodes):
    assert both(nodes, "evm_setBlockGasLimit", hex(16_000_000)) == [True, True]
    assert both(nodes, "anvil_setCoinbase", B) == [None, None]
    assert both(nodes, "anvil_setNextBlockBaseFeePerGas", hex(7 * 10**9)) == [None, None]
    both(nodes, "evm_mine")
    for node in nodes:
        block = latest(node)
        assert (block["gasLimit"], block["miner"], block["baseFeePerGas"]) == (
            hex(16_000_000),
            B,
            hex(7 * 10**9),
        )
    both(nodes, "evm_mine")
    ours, anvil = (latest(n) for n in nodes)
    assert ours["baseFeePerGas"] == anvil["baseFeePerGas"]  # both computed from the parent again
    assert (ours["gasLimit"], ours["miner"]) == (anvil["gasLimit"], anvil["miner"]) == (hex(16_000_000), B)
    assert both(nodes, "evm_setBlockGasLimit", hex(30_000_000)) == [True, True]
    assert both(nodes, "anvil_setCoinbase", "0x" + "00" * 20) == [None, None]
    assert both(nodes, "anvil_setAutomine", False) == [None, None]
    send = {"from": DEV0, "to": B, "value": "0x1"}
    waiting = both(nodes, "eth_sendTransaction", send)
    assert both(nodes, "eth_getTransactionReceipt", waiting[0])[0] is None
    assert both(nodes, "anvil_setAutomine", True) == [None, None]
    both(nodes, "evm_mine")  # anvil mines the pool on the next block; ours when automine comes back on
    assert all(result(n, "eth_getTransactionReceipt", h) for n, h in zip(nodes, waiting, strict=True))


def test_snapshot_and_mine_with_an_interval_as_anvil(nodes):
    sids = both(nodes, "anvil_snapshot")
    numbers = [int(latest(n)["number"], 16) for n in nodes]
    assert both(nodes, "anvil_mine", "0x3", "0x3c") == [None, None]
    for node, start in zip(nodes, numbers, strict=True):
        stamps = [
            int(result(node, "eth_getBlockByNumber", hex(start + k), False)["timestamp"], 16)
            for k in (1, 2, 3)
        ]
        gaps = (stamps[1] - stamps[0], stamps[2] - stamps[1])
        # documented: ours exactly 60 s apart (as Hardhat); anvil adds the wall time that passes meanwhile
        assert gaps == (60, 60) if node is nodes[0] else 60 <= min(gaps) <= max(gaps) <= 62
    assert [result(n, "anvil_revert", s) for n, s in zip(nodes, sids, strict=True)] == [True, True]
    assert [int(latest(n)["number"], 16) for n in nodes] == numbers


def test_reset_as_anvil(nodes):
    """Last in this module: both nodes start over (block 0, genesis balances)."""
    both(nodes, "eth_sendTransaction", {"from": DEV0, "to": B, "value": "0x1"})
    assert both(nodes, "anvil_reset") == [None, None]
    assert both(nodes, "eth_blockNumber") == ["0x0", "0x0"]
    ours, anvil = both(nodes, "eth_getBalance", DEV0, "latest")
    assert ours == anvil == hex(10_000 * 10**18)
    assert both(nodes, "eth_getCode", A, "latest") == ["0x", "0x"]
    assert both(nodes, "hardhat_reset") == [None, None]
