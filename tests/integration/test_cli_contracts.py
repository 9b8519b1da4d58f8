"""`aurigraph deploy | call | send` as a user runs them: clients of a running `aurigraph serve` (a real
server process, SQLite and PostgreSQL), as the README's flow does while `scripts/serve` runs. Also what
`serve` prints when it is ready."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import httpx
import pytest

from tests.serverproc import ROOT

HARDHAT_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
HARDHAT_0_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


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
    assert "Traceback" not in out.stderr, out.stderr
    return out.stdout + out.stderr


@pytest.fixture(scope="module")
def env(server):
    """The CLI's environment beside the running server: its database (for `keys create`) and a key."""
    env = {**os.environ, "AURIGRAPH_DATABASE_URL": server.db_url, "AURIGRAPH_PORT": str(server.port)}
    token = run(env, "keys", "create", "--role", "developer").strip().splitlines()[-1]
    return env | {"AURIGRAPH_API_KEY": token}


def test_serve_prints_urls_chain_database_and_dev_accounts_when_ready(server):
    """Failed before: `aurigraph serve` printed nothing."""
    log = server.log_path.read_text()
    assert f"JSON-RPC      {server.url}" in log and f"ws://127.0.0.1:{server.port}" in log
    assert f"{server.url}/docs" in log and "Chain id      31337" in log
    assert f"Database      {server.db_url.split('?')[0].split('://')[0]}" in log
    assert f"(0) {HARDHAT_0}" in log and f"(0) {HARDHAT_0_KEY}" in log
    # the audit key the server signs with, as GET /v1/audit/public-key publishes it
    published = httpx.get(f"{server.url}/v1/audit/public-key").json()["public_key"]
    assert f"(public key {published})" in log


@pytest.mark.slow
def test_deploy_call_send_through_the_running_server(server, env, tmp_path):
    """Failed before: deploy/call/send opened the database as the chain's writer and refused to run beside
    the server (the README's flow failed while scripts/serve ran)."""
    out = run(env, "deploy", "contracts/src/AuriToken.sol", "Auri", "AUR", "1000000")
    address = re.search(r"AuriToken deployed at (0x[0-9a-fA-F]{40})", out).group(1)
    # the server knows it: the contract is in its registry
    assert server.rpc("eth_getCode", address, "latest")["result"] not in ("0x", None)
    assert run(env, "call", address, "totalSupply").strip() == "[1000000]"
    sent = run(env, "send", address, "transfer", "0x" + "ab" * 20, "250", "--from", "0")
    assert sent.startswith("ok:") and "Transfer" in sent and '"value": 250' in sent
    assert run(env, "call", address, "balanceOf", "0x" + "ab" * 20, "--url", server.url).strip() == "[250]"
    bad = run(env, "send", address, "transfer", "not-an-address", "1", ok=False)
    assert "argument 'to'" in bad
    reverted = run(env, "call", address, "transfer", "0x" + "ab" * 20, "99999999", ok=False)
    assert "ERC20InsufficientBalance" in reverted
    export = tmp_path / "audit.jsonl"
    run(env, "audit", "export", "--out", str(export))
    assert "contract.deploy" in export.read_text()
    pub = run(env, "audit", "pubkey").strip()
    assert "OK" in run(env, "audit", "verify", str(export), "--pubkey", pub)


def test_cli_mistakes_are_one_line_errors(server, env):
    """Failed before: `--from 12` crashed with IndexError and a traceback."""
    out = run(env, "send", "0x" + "00" * 20, "transfer", "0x" + "ab" * 20, "1", "--from", "12", ok=False)
    assert out.strip() == "error: --from 12: the server has 10 dev accounts (0-9)"
    nobody = run(env, "call", "0x" + "00" * 20, "totalSupply", "--url", "http://127.0.0.1:9", ok=False)
    assert (
        nobody.startswith("error: no server at http://127.0.0.1:9") and len(nobody.strip().splitlines()) == 1
    )
    anonymous = {**env, "AURIGRAPH_API_KEY": ""}
    refused = run(anonymous, "deploy", "contracts/src/AuriToken.sol", "A", "A", "1", ok=False)
    assert refused.startswith("error: a valid API key is required")
