"""`aurigraph compile | deploy | call | send` as a user runs them, on a SQLite file."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.serverproc import ROOT


def run(env, *args: str, ok: bool = True) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert (out.returncode == 0) == ok, out.stdout + out.stderr
    return out.stdout + out.stderr


def test_deploy_call_send_and_audit_from_the_command_line(tmp_path):
    env = {
        **os.environ,
        "AURIGRAPH_DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}",
        "AURIGRAPH_DATA_DIR": str(tmp_path / "data"),
    }
    out = run(env, "deploy", "contracts/src/AuriToken.sol", "Auri", "AUR", "1000000")
    address = re.search(r"deployed at (0x[0-9a-f]{40})", out).group(1)
    assert run(env, "call", address, "totalSupply").strip() == "[1000000]"
    sent = run(env, "send", address, "transfer", "0x" + "ab" * 20, "250", "--from", "0")
    assert sent.startswith("ok:") and "Transfer" in sent and '"value": 250' in sent
    assert run(env, "call", address, "balanceOf", "0x" + "ab" * 20).strip() == "[250]"
    bad = run(env, "send", address, "transfer", "not-an-address", "1", ok=False)
    assert "argument 'to'" in bad
    reverted = run(env, "call", address, "transfer", "0x" + "ab" * 20, "99999999", ok=False)
    assert "ERC20InsufficientBalance" in reverted
    export = tmp_path / "audit.jsonl"
    run(env, "audit", "export", "--out", str(export))
    assert "contract.deploy" in export.read_text()
    assert "ok" in run(env, "audit", "verify", str(export)).lower()
