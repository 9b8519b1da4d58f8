"""Run a case on a node and record what it answered: per transaction the status, gas used, created address,
logs and the call trace's return (or revert) data, or that the node refused it; then the touched accounts'
balance, nonce, code hash and storage root (``eth_getProof``).

Every case starts from genesis: the runner takes an ``evm_snapshot`` of the fresh node once and reverts to
it before each case (anvil and ours both drop the snapshot on revert, so it is taken again)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from app.errors import AppError, Kind
from app.evm.conformance.difffuzz.case import Case
from app.evm.conformance.difffuzz.program import HISTORY

Dispatch = Callable[[dict[str, Any]], dict[str, Any] | None]
ZERO = "0x" + "00" * 20
BASE_FEE = 10**9
SLOTS = 8


class RpcError(AppError):
    """The node answered a JSON-RPC error."""

    kind = Kind.REFUSED
    code = "NODE_ERROR"

    def __init__(self, method: str, error: Any) -> None:
        super().__init__(f"{method}: {error}")
        self.error = error


class NodeUnavailable(AppError):
    """The node did not answer (connection refused, timeout, not JSON-RPC)."""

    kind = Kind.UNAVAILABLE
    code = "NODE_UNAVAILABLE"


class Node:
    """A JSON-RPC endpoint: ``node(method, *params)`` returns the result or raises ``RpcError``."""

    def __init__(self, name: str, dispatch: Dispatch) -> None:
        self.name = name
        self.dispatch = dispatch
        self.snapshot: str | None = None

    @classmethod
    def http(cls, url: str, name: str = "anvil") -> Node:
        client = httpx.Client(timeout=120)

        def post(req: dict[str, Any]) -> dict[str, Any]:
            try:
                out: dict[str, Any] = client.post(url, json=req).json()
            except (httpx.HTTPError, ValueError) as exc:
                raise NodeUnavailable(f"{url}: {exc}") from exc
            return out

        return cls(name, post)

    def __call__(self, method: str, *params: Any) -> Any:
        out = self.dispatch({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}) or {}
        if "error" in out:
            raise RpcError(method, out["error"])
        return out.get("result")

    def fresh(self) -> None:
        """Back to the state of the first call (genesis on a fresh node)."""
        if self.snapshot is not None:
            self("evm_revert", self.snapshot)
        self.snapshot = self("evm_snapshot")


@dataclass
class Observation:
    deploys: list[dict[str, Any]] = field(default_factory=list)
    txs: list[dict[str, Any]] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)
    state: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"deploys": self.deploys, "txs": self.txs, "state": self.state}


def run(node: Node, case: Case) -> Observation:
    """Deploy the case's contracts and send its transactions on a node back at genesis."""
    node.fresh()
    obs = Observation()
    obs.touched |= {ZERO, case.deployer.address.lower(), case.sender.address.lower()}
    obs.touched |= {a.address.lower() for a in case.authorities}
    for i in range(len(case.contracts)):
        obs.deploys.append(_send(node, case.deploy_tx(i), obs))
    for i in range(len(case.authorities) if case.fund else 0):  # see Case.fund_tx
        obs.deploys.append(_send(node, case.fund_tx(i), obs))
    nonce = int(node("eth_getTransactionCount", case.sender.address, "latest"), 16)
    for i in range(len(case.txs)):
        if obs.txs and (obs.txs[-1].get("rejected") or obs.txs[-1].get("skipped")):
            # after a refusal anvil has mined an empty block and ours has not: NUMBER would differ
            obs.txs.append({"skipped": True})
            continue
        result = _send(node, case.tx(i, nonce), obs)
        nonce += 0 if result.get("rejected") else 1
        obs.txs.append(result)
    return obs


def _send(node: Node, raw: str, obs: Observation) -> dict[str, Any]:
    # the base fee is the node's policy, not the EVM's (anvil keeps its fee state across evm_revert, and
    # prices block 1 at the genesis base fee): pin it, so balances and BASEFEE compare
    node("anvil_setNextBlockBaseFeePerGas", hex(BASE_FEE))
    try:
        tx_hash = node("eth_sendRawTransaction", raw)
    except RpcError:
        return {"rejected": True}
    receipt = None
    for _ in range(200):  # anvil mines just after it answers
        receipt = node("eth_getTransactionReceipt", tx_hash)
        if receipt is not None:
            break
        time.sleep(0.01)
    if receipt is None:
        # anvil answers a hash for some transactions it cannot run (below EIP-7623's floor), mines an
        # empty block and never includes them; ours refuses them on submission. Either way nothing ran
        # (docs/conformance.md); drop it, in case a node kept it pending
        node("anvil_dropTransaction", tx_hash)
        return {"rejected": True}
    trace = node("debug_traceTransaction", tx_hash, {"tracer": "callTracer"})
    _collect(trace, obs.touched)
    status = int(receipt["status"], 16)
    return {
        "status": status,
        "gasUsed": int(receipt["gasUsed"], 16),
        "contractAddress": (receipt.get("contractAddress") or "").lower() or None,
        "logs": [[lg["address"].lower(), lg["topics"], lg["data"]] for lg in receipt["logs"]],
        # the return data, or the revert data; an exceptional halt returns nothing
        "output": trace.get("output", "0x") if status or "revert" in str(trace.get("error", "")) else "0x",
    }


def _collect(frame: dict[str, Any], into: set[str]) -> None:
    for key in ("from", "to"):
        if frame.get(key):
            into.add(frame[key].lower())
    for child in frame.get("calls", ()):
        _collect(child, into)


def account_state(node: Node, addresses: set[str]) -> dict[str, dict[str, Any]]:
    out = {}
    for address in sorted(addresses):
        proof = node("eth_getProof", address, [], "latest")
        out[address] = {
            "balance": int(proof["balance"], 16),
            "nonce": int(proof["nonce"], 16),
            "codeHash": proof["codeHash"],
            "storage": {} if address == "0x" + HISTORY.hex() else _storage(node, address),
        }
    return out


def _storage(node: Node, address: str) -> dict[str, str]:
    """The programs' slots (0..7) that are not zero. Not eth_getProof's storageHash: anvil's counts a slot
    that was only read as if it held a zero, so it differs from the true root. The history contract's
    slots hold block hashes, which differ between any two nodes: they are left out."""
    slots = {}
    for slot in range(SLOTS):
        word = node("eth_getStorageAt", address, hex(slot), "latest")
        if int(word, 16):
            slots[str(slot)] = word
    return slots


def observe_both(ref: Node, ours: Node, case: Case) -> tuple[Observation, Observation]:
    a, b = run(ref, case), run(ours, case)
    touched = a.touched | b.touched
    a.state, b.state = account_state(ref, touched), account_state(ours, touched)
    return a, b
