"""The node's identity as dev tools read it: web3_clientVersion (anvil-compatible outside production,
configurable, our own name in production), hardhat_metadata."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from tests.unit.test_chain_rpc import call, ok, open_rpc

OWN = f"aurigraph/{version('aurigraph')}/py-evm-{version('py-evm')}"


@pytest.fixture
def rpc(sqlite_url):
    r = open_rpc(sqlite_url)
    yield r
    r.chain.close()


def test_dev_client_version_is_one_hardhat_helpers_accept(rpc):
    answer = ok(rpc, "web3_clientVersion")
    assert answer == f"anvil/v1.7.1-compatible {OWN}"
    # hardhat-network-helpers' check: lower-cased version starts with hardhatnetwork, anvil or zksync
    assert answer.lower().startswith("anvil")


def test_client_version_is_configurable(sqlite_url):
    rpc = open_rpc(sqlite_url, dev_client_version="HardhatNetwork/2.22.0/ours")
    assert ok(rpc, "web3_clientVersion") == "HardhatNetwork/2.22.0/ours"
    rpc.chain.close()


def test_production_keeps_its_own_name_and_has_no_metadata(sqlite_url):
    rpc = open_rpc(sqlite_url, env="production", dev_client_version="anvil/x")
    assert ok(rpc, "web3_clientVersion") == OWN
    assert call(rpc, "hardhat_metadata")["error"]["code"] == -32601
    rpc.chain.close()


def test_hardhat_metadata_names_the_head_and_a_stable_instance(rpc):
    ok(rpc, "evm_mine")
    meta = ok(rpc, "hardhat_metadata")
    head = ok(rpc, "eth_getBlockByNumber", "latest", False)
    assert meta["chainId"] == 31337 and meta["clientVersion"] == ok(rpc, "web3_clientVersion")
    assert meta["latestBlockNumber"] == 1 and meta["latestBlockHash"] == head["hash"]
    assert meta["forkedNetwork"] is None
    assert ok(rpc, "hardhat_metadata")["instanceId"] == meta["instanceId"]


def test_anvil_node_info_describes_the_head_and_fees(rpc):
    info = ok(rpc, "anvil_nodeInfo")
    head = ok(rpc, "eth_getBlockByNumber", "latest", False)
    assert info["currentBlockNumber"] == head["number"] and info["currentBlockHash"] == head["hash"]
    assert info["currentBlockTimestamp"] == int(head["timestamp"], 16)
    assert info["hardFork"] == "Prague"
    env = info["environment"]
    assert env["chainId"] == 31337 and env["gasLimit"] == head["gasLimit"]
    assert env["gasPrice"] == ok(rpc, "eth_gasPrice")
