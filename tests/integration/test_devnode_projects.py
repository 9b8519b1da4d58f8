"""Real projects against a real `aurigraph serve`: the Hardhat 2 project in tests/devnode/hardhat (network
helpers, chai matchers, impersonation, ethers' pending event, an Ignition deploy; compiled with the npm
solc build) and the viem test-client script in tests/devnode/viem. Both are installed by scripts/setup
(npm ci, per project)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.anvilproc import AnvilProcess
from tests.conftest import make_database
from tests.serverproc import ROOT, ServerProcess

pytestmark = [pytest.mark.slow, pytest.mark.anvil]

DEVNODE = ROOT / "tests" / "devnode"


@pytest.fixture(scope="module", params=["aurigraph", "anvil"])
def server(request, tmp_path_factory):
    """Our server, and anvil as the reference: the same projects pass on both, unchanged."""
    tmp = tmp_path_factory.mktemp(f"devnode-projects-{request.param}")
    if request.param == "anvil":
        anvil = AnvilProcess(tmp / "anvil.log").start()
        yield anvil
        anvil.stop()
        return
    gen = make_database("sqlite", tmp)
    srv = ServerProcess(next(gen), tmp / "server.log").start()
    yield srv
    srv.stop()
    next(gen, None)


def run(project: Path, command: list[str], url: str) -> subprocess.CompletedProcess[str]:
    if not (project / "node_modules").is_dir():
        raise RuntimeError(f"{project} is not installed: run scripts/setup")
    env = {**os.environ, "AURIGRAPH_URL": url, "NO_COLOR": "1", "HARDHAT_DISABLE_TELEMETRY_PROMPT": "true"}
    return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=600)


def test_hardhat_project_passes_against_our_node(server):
    # earlier runs' Ignition journals (git-ignored) would be reconciled against this new chain
    shutil.rmtree(DEVNODE / "hardhat" / "ignition" / "deployments", ignore_errors=True)
    out = run(
        DEVNODE / "hardhat", ["npx", "--no-install", "hardhat", "test", "--network", "aurigraph"], server.url
    )
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-6000:]
    assert re.search(r"\b13 passing\b", log), log[-6000:]
    assert "failing" not in log
    checks = ("by the fixture", "ignition", "impersonated", "changeEtherBalances", "snapshot", "TooEarly")
    for check in checks:
        assert check.lower() in log.lower(), check


def test_viem_test_client_script_passes_against_our_node(server):
    out = run(DEVNODE / "viem", ["node", "devnode.mjs"], server.url)
    assert out.returncode == 0, (out.stdout + out.stderr)[-6000:]
    assert '"ok":true' in out.stdout
