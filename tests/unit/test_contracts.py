"""The contract registry service: compile from source, deploy (source, bytecode, Hardhat and Foundry
artifacts), ABI-checked call/transact, decoded events and reverts, upgrades behind an EIP-1967 proxy,
verify."""

from __future__ import annotations

import json

import pytest
from eth_utils import keccak

from app.config import Settings
from app.db import make_engine
from app.evm.contracts.abi import AbiError
from app.evm.contracts.compiler import CONTRACTS_SRC, compile_files, compile_sources
from app.evm.contracts.service import (
    ArtifactInvalid,
    Buildable,
    ContractReverted,
    ContractService,
    NotProxyAdmin,
    parse_artifact,
)
from app.evm.node.chain import Chain


@pytest.fixture(scope="module")
def built():
    return compile_files([CONTRACTS_SRC / "AuriToken.sol", CONTRACTS_SRC / "Counter.sol"])


@pytest.fixture
def svc(db_url):
    chain = Chain(make_engine(db_url), Settings(database_url=db_url))
    yield ContractService(chain)
    chain.close()


def as_build(c) -> Buildable:
    return Buildable(c.name, c.abi, c.bytecode, c.compiler_version, c.settings, c.source_hash)


def addr(s: str) -> bytes:
    return bytes.fromhex(s[2:])


def test_erc20_from_source_call_transact_events_and_reverts(svc, built):
    me, bob = svc.chain.accounts[0].address, svc.chain.accounts[1].address
    records = []
    out = svc.deploy(
        as_build(built["AuriToken"]),
        ["Auri", "AUR", 10**24],
        sender=me,
        on_record=lambda conn, action, payload: records.append((action, payload)),
    )
    assert out.status and out.contract_address
    token = addr(out.contract_address)
    assert [a for a, _ in records] == ["contract.deploy"]
    assert records[0][1]["compiler_version"] == built["AuriToken"].compiler_version
    info = svc.get(token)
    assert info["name"] == "AuriToken" and info["source_hash"] == "0x" + built["AuriToken"].source_hash.hex()
    assert info["bytecode_hash"] == "0x" + keccak(built["AuriToken"].deployed_bytecode).hex()

    assert svc.call(token, "balanceOf", ["0x" + me.hex()])["result"] == [str(10**24)]
    tx = svc.transact(token, "transfer", ["0x" + bob.hex(), 5], sender=me)
    assert tx.status and tx.gas_used > 21_000 and tx.effective_gas_price > 0
    (event,) = tx.events
    assert event["event"] == "Transfer" and event["args"]["value"] == 5
    assert event["args"]["to"] == "0x" + bob.hex()

    with pytest.raises(ContractReverted) as exc:
        svc.call(token, "transfer", ["0x" + bob.hex(), 10**30], sender=bob)
    assert exc.value.decoded["kind"] == "custom" and exc.value.decoded["name"] == "ERC20InsufficientBalance"
    assert exc.value.decoded["args"]["needed"] == str(10**30)
    with pytest.raises(AbiError) as bad:
        svc.transact(token, "transfer", ["0x1234", 5], sender=me)
    assert bad.value.field == "to" and "address" in str(bad.value)
    with pytest.raises(AbiError):
        svc.call(token, "noSuchFunction", [])
    assert svc.call(token, "balanceOf", ["0x" + bob.hex()])["result"] == [5]


def test_upgrade_keeps_storage_and_history_and_only_admin_may(svc, built):
    # the proxy admin may only upgrade (transparent proxy): the contract's owner is another account
    admin, other, owner = (svc.chain.accounts[i].address for i in (0, 2, 3))
    actions = []
    hook = lambda conn, action, payload: actions.append(action)  # noqa: E731
    out = svc.deploy_upgradeable(
        as_build(built["Counter"]), ("initialize", ["0x" + owner.hex()]), sender=admin, on_record=hook
    )
    proxy = addr(out.contract_address)
    for _ in range(2):
        svc.transact(proxy, "increment", [], sender=other)
    assert svc.call(proxy, "count", [])["result"] == [2]
    with pytest.raises(NotProxyAdmin):
        svc.upgrade(proxy, as_build(built["CounterV2"]), None, sender=other)
    svc.upgrade(proxy, as_build(built["CounterV2"]), None, sender=admin, on_record=hook)
    assert svc.call(proxy, "count", [])["result"] == [2]  # storage kept
    assert svc.call(proxy, "version", [])["result"] == ["2"]
    svc.transact(proxy, "setStep", [5], sender=owner)
    svc.transact(proxy, "increment", [], sender=other)
    assert svc.call(proxy, "count", [])["result"] == [7]
    info = svc.get(proxy)
    assert [h["version"] for h in info["implementations"]] == [1, 2]
    assert info["implementation"] == info["implementations"][1]["implementation"]
    assert info["proxy_admin"] == "0x" + admin.hex() and info["name"] == "CounterV2"
    # implementation 1, the proxy, implementation 2, then the upgrade: every deployment is recorded
    assert actions == ["contract.deploy", "contract.deploy", "contract.deploy", "contract.upgrade"]
    assert len(svc.list()) == 3
    # verify checks the implementation behind the proxy
    assert svc.verify(proxy, built["CounterV2"])["match"] == "full"
    assert svc.verify(proxy, built["Counter"])["match"] == "none"


def test_hardhat_and_foundry_artifacts_deploy_and_run_unchanged(svc, built):
    c = built["AuriToken"]
    hardhat = {
        "_format": "hh-sol-artifact-1",
        "contractName": "AuriToken",
        "sourceName": "contracts/AuriToken.sol",
        "abi": c.abi,
        "bytecode": "0x" + c.bytecode.hex(),
        "deployedBytecode": "0x" + c.deployed_bytecode.hex(),
        "linkReferences": {},
        "deployedLinkReferences": {},
    }
    foundry = {
        "abi": c.abi,
        "bytecode": {"object": "0x" + c.bytecode.hex(), "linkReferences": {}},
        "deployedBytecode": {"object": "0x" + c.deployed_bytecode.hex()},
        "metadata": {"compiler": {"version": c.compiler_version}},
    }
    me = svc.chain.accounts[0].address
    for art in (hardhat, foundry):
        b = parse_artifact(json.loads(json.dumps(art)))
        out = svc.deploy(b, ["T", "T", 1000], sender=me)
        token = addr(out.contract_address)
        assert svc.call(token, "totalSupply", [])["result"] == [1000]
        assert svc.verify(token, c)["match"] == "full"


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {"abi": []},
        {"bytecode": "0x00"},
        {"abi": [], "bytecode": "0xZZ"},
        {"abi": [], "bytecode": "0x"},
        {"abi": [], "bytecode": "0x60__$abc$__00"},
        {"abi": "x", "bytecode": "0x00"},
    ],
)
def test_malformed_artifacts_are_refused(bad):
    with pytest.raises(ArtifactInvalid):
        parse_artifact(bad)


def test_verify_tells_a_different_source_apart(svc):
    src = (
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\n"
        "contract V { function f() external pure returns (uint) { return 1; } }\n"
    )
    c = compile_sources({"V.sol": src})["V"]
    out = svc.deploy(as_build(c), [], sender=svc.chain.accounts[0].address)
    assert svc.verify(addr(out.contract_address), c)["match"] == "full"
    other = compile_sources({"V.sol": src.replace("return 1", "return 2")})["V"]
    assert svc.verify(addr(out.contract_address), other)["match"] == "none"
    renamed = compile_sources({"W.sol": src})["V"]  # same code, different source path: metadata differs
    assert svc.verify(addr(out.contract_address), renamed)["match"] == "partial"
