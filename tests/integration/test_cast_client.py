"""Foundry's cast (installed by scripts/setup from npm) against `aurigraph serve`, unmodified."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.serverproc import ROOT

CAST = ROOT / "node_modules" / ".bin" / "cast"
KEY = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba"  # dev account 9
BUILD = Path(__file__).resolve().parents[2] / "contracts" / "build"


def _argv(server, args: tuple[str, ...]) -> list[str]:
    return [str(CAST), args[0], "--rpc-url", server.url, *args[1:]]


def cast(server, *args: str) -> str:
    out = subprocess.run(_argv(server, args), capture_output=True, text=True, timeout=60)
    # cast may exit 0 after printing "Error: ..." (e.g. a failed send): the stream says what happened
    assert out.returncode == 0 and "Error" not in out.stderr, out.stderr
    return out.stdout.strip()


def cast_fails(server, *args: str) -> str:
    out = subprocess.run(_argv(server, args), capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 or "Error" in out.stderr, out.stdout
    return out.stderr


def test_cast_reads_sends_deploys_and_calls(server):
    assert cast(server, "chain-id") == "31337"
    before = int(cast(server, "block-number"))
    receipt = json.loads(
        cast(server, "send", "--private-key", KEY, "0x" + "77" * 20, "--value", "1ether", "--json")
    )
    assert receipt["status"] == "0x1"
    assert int(cast(server, "block-number")) == before + 1
    assert cast(server, "balance", "0x" + "77" * 20) == str(10**18)

    # calldata-heavy call to an account without code: the estimate must cover EIP-7623's calldata floor
    cast(
        server,
        "send",
        "--private-key",
        KEY,
        "0x" + "78" * 20,
        "store(uint256,uint256,string)",
        "3",
        "42",
        "hi",
    )
    bytecode = json.loads((BUILD / "RevertLab.json").read_text())["bytecode"]
    deployed = json.loads(cast(server, "send", "--private-key", KEY, "--json", "--create", bytecode))
    lab = deployed["contractAddress"]
    cast(server, "send", "--private-key", KEY, lab, "store(uint256,uint256,string)", "3", "42", "hi")
    assert cast(server, "call", lab, "slots(uint256)(uint256)", "3") == "42"
    # reverts come back with the reason decoded, as against anvil
    err = cast_fails(server, "call", lab, "failRequire(uint256)(uint256)", "1")
    assert "x must exceed ten" in err
    logs = json.loads(cast(server, "logs", "--from-block", "0", "--address", lab, "--json"))
    assert len(logs) == 1


@pytest.fixture(scope="module", autouse=True)
def _cast_installed():
    assert CAST.exists(), "cast is not installed: run scripts/setup (npm package @foundry-rs/cast)"
