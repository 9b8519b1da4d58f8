"""Differential test: the same signed transactions on our chain and on anvil (--hardfork prague) must give
identical status, gas used, return data, logs and created addresses; eth_call reverts identical errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import keccak, to_checksum_address

pytestmark = [pytest.mark.anvil, pytest.mark.slow]

BUILD = Path(__file__).resolve().parents[2] / "contracts" / "build"
KEY = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a"  # dev account 6
ME = Account.from_key(KEY)
OTHER = Account.from_key(
    "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97"
)  # dev account 8
SINK = "0x" + "5a" * 20


def art(name: str) -> dict:
    return json.loads((BUILD / f"{name}.json").read_text())


def sel(sig: str) -> bytes:
    return keccak(text=sig)[:4]


def calldata(sig: str, types: list[str] | None = None, args: list | None = None) -> str:
    return "0x" + (sel(sig) + encode(types or [], args or [])).hex()


class Runner:
    def __init__(self, node, acct=ME) -> None:
        self.node = node
        self.acct = acct
        self.nonce = int(node.rpc("eth_getTransactionCount", acct.address, "latest")["result"], 16)

    def send(self, to: str | None, data: str = "0x", value: int = 0, gas: int = 3_000_000) -> dict:
        tx = {
            "nonce": self.nonce,
            "gas": gas,
            "maxFeePerGas": 100 * 10**9,
            "maxPriorityFeePerGas": 10**9,
            "value": value,
            "data": data,
            "chainId": 31337,
            "type": 2,
        }
        if to:
            tx["to"] = to_checksum_address(to)
        raw = "0x" + bytes(self.acct.sign_transaction(tx).raw_transaction).hex()
        self.nonce += 1
        out = self.node.rpc("eth_sendRawTransaction", raw)
        assert "result" in out, out
        receipt = self.node.rpc("eth_getTransactionReceipt", out["result"])["result"]
        assert receipt is not None
        return receipt

    def call(self, to: str, data: str, value: int = 0) -> dict:
        return self.node.rpc(
            "eth_call", {"from": ME.address, "to": to, "data": data, "value": hex(value)}, "latest"
        )


def comparable(receipt: dict) -> dict:
    return {
        "status": receipt["status"],
        "gasUsed": receipt["gasUsed"],
        "contractAddress": receipt["contractAddress"],
        "logs": [(lg["address"].lower(), lg["topics"], lg["data"]) for lg in receipt["logs"]],
    }


def scenario(run: Runner) -> tuple[list[dict], list[dict]]:
    """Returns (receipts, eth_call answers) in a fixed order."""
    receipts, calls = [], []
    token_ctor = encode(["string", "string", "uint256"], ["Auri", "AUR", 10**24]).hex()
    token = run.send(None, art("AuriToken")["bytecode"] + token_ctor)
    lab = run.send(None, art("RevertLab")["bytecode"])
    receipts += [token, lab]
    t, lab_a = token["contractAddress"], lab["contractAddress"]
    receipts.append(run.send(t, calldata("transfer(address,uint256)", ["address", "uint256"], [SINK, 12345])))
    receipts.append(
        run.send(t, calldata("transfer(address,uint256)", ["address", "uint256"], [SINK, 10**30]))
    )  # fails
    receipts.append(
        run.send(
            lab_a,
            calldata("store(uint256,uint256,string)", ["uint256", "uint256", "string"], [7, 99, "hello"]),
        )
    )
    receipts.append(run.send(lab_a, calldata("fill(uint256)", ["uint256"], [40])))
    receipts.append(run.send(lab_a, calldata("clear(uint256)", ["uint256"], [25])))  # storage refunds
    for sig, types, args in [
        ("failCustom(uint256)", ["uint256"], [5]),
        ("failEmptyCustom()", [], []),
        ("failRequire(uint256)", ["uint256"], [3]),
        ("failPanicDivide(uint256)", ["uint256"], [0]),
        ("failPanicAssert()", [], []),
        ("failPanicIndex(uint256)", ["uint256"], [10**6]),
        ("failPanicOverflow(uint256)", ["uint256"], [2]),
        ("failEmpty()", [], []),
        ("bubbleInner(uint256)", ["uint256"], [8]),
    ]:
        data = calldata(sig, types, args)
        receipts.append(run.send(lab_a, data, gas=200_000))
        calls.append(run.call(lab_a, data))
    receipts.append(run.send(lab_a, calldata("tryInner(uint256)", ["uint256"], [9])))
    receipts.append(run.send(lab_a, calldata("forward(address)", ["address"], [SINK]), value=10**15))
    receipts.append(run.send(lab_a, "0x", value=777))  # receive()
    receipts.append(
        run.send(lab_a, calldata("deployChild(bytes32,uint256)", ["bytes32", "uint256"], [b"\x01" * 32, 42]))
    )
    receipts.append(
        run.send(lab_a, calldata("deployChild(bytes32,uint256)", ["bytes32", "uint256"], [b"\x01" * 32, 42]))
    )  # collision
    calls.append(
        run.call(lab_a, calldata("predictChild(bytes32,uint256)", ["bytes32", "uint256"], [b"\x01" * 32, 42]))
    )
    calls.append(run.call(lab_a, calldata("total()")))
    calls.append(run.call(t, calldata("balanceOf(address)", ["address"], [SINK])))
    calls.append(run.call(lab_a, calldata("failCustom(uint256)", ["uint256"], [1]), value=0))
    return receipts, calls


def test_same_transactions_same_results(nodes):
    ours, anvil = nodes
    our_receipts, our_calls = scenario(Runner(ours))
    ref_receipts, ref_calls = scenario(Runner(anvil))
    assert len(our_receipts) == len(ref_receipts)
    for i, (a, b) in enumerate(zip(our_receipts, ref_receipts, strict=True)):
        assert comparable(a) == comparable(b), f"transaction #{i} differs"
    statuses = [r["status"] for r in our_receipts]
    assert "0x0" in statuses and "0x1" in statuses  # the scenario covers both outcomes
    for i, (a, b) in enumerate(zip(our_calls, ref_calls, strict=True)):
        if "error" in b:
            assert "error" in a, f"call #{i}: anvil reverted, we did not: {a}"
            assert a["error"]["code"] == b["error"]["code"] == 3, (a, b)
            assert a["error"].get("data") == b["error"].get("data"), f"call #{i} revert data"
        else:
            assert a == b, f"call #{i}"


def test_revert_messages_decode_error_string_and_panic(nodes):
    ours, _ = nodes
    run = Runner(ours, OTHER)  # an account of its own: the other tests compare nonces across nodes
    lab = run.send(None, art("RevertLab")["bytecode"])["contractAddress"]
    msg = run.call(lab, calldata("failRequire(uint256)", ["uint256"], [1]))["error"]["message"]
    assert msg == "execution reverted: x must exceed ten"
    panic = run.call(lab, calldata("failPanicDivide(uint256)", ["uint256"], [0]))["error"]
    assert "panic code 0x12" in panic["message"] and panic["data"].startswith("0x4e487b71")
    custom = run.call(lab, calldata("failCustom(uint256)", ["uint256"], [5]))["error"]
    assert custom["data"].startswith("0x" + sel("Unauthorized(address,uint256)").hex())
    empty = run.call(lab, calldata("failEmpty()"))["error"]
    assert empty["code"] == 3 and empty["message"] == "execution reverted" and empty.get("data") == "0x"


def test_call_tracer_matches_anvil_for_nested_reverts(nodes):
    ours, anvil = nodes
    traces = []
    for node in (ours, anvil):
        run = Runner(node)
        lab = run.send(None, art("RevertLab")["bytecode"])["contractAddress"]
        caught = run.send(lab, calldata("tryInner(uint256)", ["uint256"], [9]))
        bubbled = run.send(lab, calldata("bubbleInner(uint256)", ["uint256"], [8]), gas=200_000)
        child = run.send(
            lab, calldata("deployChild(bytes32,uint256)", ["bytes32", "uint256"], [b"\x02" * 32, 5])
        )
        opts = {"tracer": "callTracer", "tracerConfig": {"withLog": True}}
        traces.append(
            [
                node.rpc("debug_traceTransaction", r["transactionHash"], opts)["result"]
                for r in (caught, bubbled, child)
            ]
        )
    ours_t, anvil_t = traces
    assert (
        ours_t[0]["calls"][0]["type"] == "STATICCALL"
        and ours_t[0]["calls"][0]["error"] == "execution reverted"
    )
    assert ours_t[1]["error"] == "execution reverted"
    assert ours_t[2]["calls"][0]["type"] == "CREATE2"
    assert ours_t == anvil_t
