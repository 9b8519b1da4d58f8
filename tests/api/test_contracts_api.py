"""The contract REST API over real HTTP: compile and deploy an OpenZeppelin ERC-20 and an upgradeable
contract from source, call and transact with ABI checks, decoded events and reverts, upgrade with history,
artifacts, verify, block and transaction reads, role checks, and bad input answered with a clear 4xx that
changes nothing. Every deploy, over REST or JSON-RPC, lands in the audit trail."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest

from tests.conftest import make_database
from tests.serverproc import ROOT, ServerProcess

SRC = ROOT / "contracts" / "src"
BUILD = ROOT / "contracts" / "build"


def key(env: dict[str, str], role: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "app.cli", "keys", "create", "--role", role],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"api-{request.param}")
    gen = make_database(request.param, tmp)
    url = next(gen)
    data = str(tmp / "data")
    env = {**os.environ, "AURIGRAPH_DATABASE_URL": url, "AURIGRAPH_DATA_DIR": data}
    tokens = {role: key(env, role) for role in ("developer", "auditor")}
    server = ServerProcess(
        url, tmp / "server.log", AURIGRAPH_DATA_DIR=data, AURIGRAPH_MAX_SOURCE_BYTES="200000"
    ).start()
    clients = {
        role: httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {t}"}, timeout=60)
        for role, t in tokens.items()
    }
    yield server, clients
    server.stop()
    next(gen, None)


def sources(*names: str) -> dict[str, str]:
    return {n: (SRC / n).read_text() for n in names}


def audit_actions(c: httpx.Client) -> list[str]:
    r = c.get("/v1/audit/entries", params={"limit": 1000})
    assert r.status_code == 200, r.text
    body = r.json()
    entries = body["entries"] if isinstance(body, dict) else body
    return [e["action"] for e in entries]


def test_erc20_from_source_with_events_reverts_and_reads(api):
    server, c = api
    dev, auditor = c["developer"], c["auditor"]
    before = audit_actions(auditor)
    r = dev.post(
        "/v1/contracts",
        json={
            "source": {"sources": sources("AuriToken.sol"), "contract": "AuriToken"},
            "args": ["Auri", "AUR", str(10**24)],
        },
    )
    assert r.status_code == 201, r.text
    token = r.json()["contract"]
    assert token["name"] == "AuriToken" and token["compiler_version"].startswith("0.8.")
    addr = token["address"]
    me = server.rpc("eth_accounts")["result"][0]

    t = dev.post(
        f"/v1/contracts/{addr}/transact", json={"function": "transfer", "args": ["0x" + "ab" * 20, 7]}
    )
    assert t.status_code == 200, t.text
    tx = t.json()
    assert tx["status"] is True and tx["gas_used"] > 21_000 and tx["effective_gas_price"] > 0
    assert tx["events"][0]["event"] == "Transfer" and tx["events"][0]["args"]["value"] == 7
    bal = dev.post(f"/v1/contracts/{addr}/call", json={"function": "balanceOf", "args": ["0x" + "ab" * 20]})
    assert bal.json()["result"] == [7]

    rev = dev.post(
        f"/v1/contracts/{addr}/call",
        json={"function": "transfer", "args": [me, str(10**30)], "from": "0x" + "ab" * 20},
    )
    assert rev.status_code == 422 and rev.json()["code"] == "EXECUTION_REVERTED"
    assert rev.json()["revert"]["name"] == "ERC20InsufficientBalance"

    got = dev.get(f"/v1/transactions/{tx['tx_hash']}").json()
    assert got["receipt"]["logs"][0]["decoded"]["event"] == "Transfer"
    block = dev.get(f"/v1/blocks/{tx['block_number']}").json()
    assert tx["tx_hash"] in block["transactions"]
    assert dev.get("/v1/blocks/latest").status_code == 200
    assert [x["address"] for x in dev.get("/v1/contracts").json()].count(addr) == 1
    assert audit_actions(auditor)[len(before) :] == ["contract.deploy", "contract.transact"]


def test_upgradeable_from_source_keeps_storage_and_records_history(api):
    server, c = api
    dev = c["developer"]
    owner = server.rpc("eth_accounts")["result"][3]
    r = dev.post(
        "/v1/contracts",
        json={
            "source": {"sources": sources("Counter.sol"), "contract": "Counter"},
            "upgradeable": True,
            "initializer": {"function": "initialize", "args": [owner]},
        },
    )
    assert r.status_code == 201, r.text
    proxy = r.json()["contract"]["address"]
    for _ in range(3):
        assert dev.post(
            f"/v1/contracts/{proxy}/transact", json={"function": "increment", "from": owner}
        ).json()["status"]
    up = dev.post(
        f"/v1/contracts/{proxy}/upgrade",
        json={"source": {"sources": sources("Counter.sol"), "contract": "CounterV2"}},
    )
    assert up.status_code == 200, up.text
    assert [h["version"] for h in up.json()["contract"]["implementations"]] == [1, 2]
    assert dev.post(f"/v1/contracts/{proxy}/call", json={"function": "count"}).json()["result"] == [3]
    assert dev.post(f"/v1/contracts/{proxy}/call", json={"function": "version"}).json()["result"] == ["2"]
    # only the recorded admin (the deployer, dev account 0) may upgrade
    other = server.rpc("eth_accounts")["result"][5]
    denied = dev.post(
        f"/v1/contracts/{proxy}/upgrade",
        json={"source": {"sources": sources("Counter.sol"), "contract": "Counter"}, "from": other},
    )
    assert denied.status_code == 403 and denied.json()["code"] == "NOT_PROXY_ADMIN"
    ver = dev.post(
        f"/v1/contracts/{proxy}/verify",
        json={"source": {"sources": sources("Counter.sol"), "contract": "CounterV2"}},
    )
    assert ver.json()["match"] == "full"


def test_artifacts_and_raw_deploys_are_recorded_and_audited(api):
    server, c = api
    dev, auditor = c["developer"], c["auditor"]
    art = json.loads((BUILD / "RevertLab.json").read_text())
    hardhat = {
        "_format": "hh-sol-artifact-1",
        "contractName": "RevertLab",
        "abi": art["abi"],
        "bytecode": art["bytecode"],
        "deployedBytecode": art["deployedBytecode"],
        "linkReferences": {},
    }
    r = dev.post("/v1/contracts", json={"artifact": hardhat})
    assert r.status_code == 201, r.text
    lab = r.json()["contract"]["address"]
    fail = dev.post(f"/v1/contracts/{lab}/transact", json={"function": "failCustom", "args": [5]})
    assert fail.status_code == 422 and fail.json()["revert"]["name"] == "Unauthorized"
    # a deploy over JSON-RPC (as cast or Hardhat would do it) is recorded and audited too
    before = audit_actions(auditor)
    me = server.rpc("eth_accounts")["result"][1]
    h = server.rpc("eth_sendTransaction", {"from": me, "data": art["bytecode"]})["result"]
    created = server.rpc("eth_getTransactionReceipt", h)["result"]["contractAddress"]
    assert dev.get(f"/v1/contracts/{created}").json()["deployer"] == me.lower()
    assert audit_actions(auditor)[len(before) :] == ["contract.deploy"]


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/v1/contracts/{lab}/call", {"function": "noSuchFunction"}, 422, "INVALID_ARGUMENT"),
        (
            "/v1/contracts/{lab}/transact",
            {"function": "store", "args": ["x", 1, "n"]},
            422,
            "INVALID_ARGUMENT",
        ),
        ("/v1/contracts/{lab}/transact", {"function": "store", "args": [1, 2]}, 422, "INVALID_ARGUMENT"),
        ("/v1/contracts/0x" + "12" * 20 + "/call", {"function": "f"}, 404, "CONTRACT_NOT_FOUND"),
        ("/v1/contracts/0x12/call", {"function": "f"}, 422, "INVALID_PARAMS"),
        ("/v1/contracts", {"artifact": {"abi": [], "bytecode": "0xZZ"}}, 422, "INVALID_ARTIFACT"),
        ("/v1/contracts", {"artifact": {"abi": []}}, 422, "INVALID_ARTIFACT"),
        ("/v1/contracts", {"bytecode": "0x6000"}, 422, "INVALID_ARTIFACT"),
        (
            "/v1/contracts",
            {"source": {"sources": {"A.sol": "contract A { function f( }"}}},
            422,
            "COMPILATION_ERROR",
        ),
        ("/v1/contracts", {"source": {"sources": {"A.sol": "//" + "x" * 300_000}}}, 413, "SOURCE_TOO_LARGE"),
        ("/v1/contracts", {"source": {"sources": {"A.sol": "x"}}, "bytecode": "0x00"}, 422, "INVALID_PARAMS"),
        ("/v1/contracts", {"artifact": {}, "from": "0x" + "99" * 20}, 422, "INVALID_ARTIFACT"),
        (
            "/v1/contracts/{lab}/transact",
            {"function": "store", "args": [1, 2, "n"], "from": "0x" + "99" * 20},
            422,
            "UNKNOWN_ACCOUNT",
        ),
        (
            "/v1/contracts/{lab}/upgrade",
            {"artifact": {"abi": [], "bytecode": "0x6000"}},
            409,
            "NOT_UPGRADEABLE",
        ),
    ],
)
def test_bad_input_gets_a_clear_4xx_and_changes_nothing(api, path, body, status, code):
    server, c = api
    dev = c["developer"]
    art = json.loads((BUILD / "RevertLab.json").read_text())
    labs = [x for x in dev.get("/v1/contracts").json() if x["name"] == "RevertLab"]
    lab = (
        labs[0]["address"]
        if labs
        else dev.post("/v1/contracts", json={"artifact": art}).json()["contract"]["address"]
    )
    head = server.rpc("eth_blockNumber")["result"]
    count = len(dev.get("/v1/contracts").json())
    r = dev.post(path.format(lab=lab), json=body)
    assert r.status_code == status, r.text
    assert r.json()["code"] == code
    assert server.rpc("eth_blockNumber")["result"] == head
    assert len(dev.get("/v1/contracts").json()) == count


def test_roles_are_enforced(api):
    server, c = api
    art = json.loads((BUILD / "RevertLab.json").read_text())
    assert c["auditor"].post("/v1/contracts", json={"artifact": art}).status_code == 403
    assert c["auditor"].get("/v1/contracts").status_code == 200
    assert httpx.get(server.url + "/v1/contracts").status_code == 401
    malformed = c["developer"].post(
        "/v1/contracts", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400
