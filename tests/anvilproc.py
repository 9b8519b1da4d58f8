"""Start Foundry's anvil (installed by scripts/setup from the npm registry) as the reference node."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx

from tests.serverproc import ROOT, free_port

ANVIL = ROOT / "node_modules" / ".bin" / "anvil"


class AnvilProcess:
    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> AnvilProcess:
        if not ANVIL.exists():
            raise RuntimeError("anvil is not installed: run scripts/setup (npm package @foundry-rs/anvil)")
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(ANVIL), "--hardfork", "prague", "--port", str(self.port), "--host", "127.0.0.1", "--silent"],
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"anvil exited: {self.log_path.read_text()[-2000:]}")
            try:
                if (
                    httpx.post(
                        self.url,
                        json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
                        timeout=1,
                    ).status_code
                    == 200
                ):
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("anvil did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    def rpc(self, method: str, *params: object) -> dict:
        return httpx.post(
            self.url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}, timeout=30
        ).json()
