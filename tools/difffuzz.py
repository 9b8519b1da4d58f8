"""Differential fuzzing of our chain against anvil, standalone: starts a fresh anvil (``--hardfork prague``,
the npm package's binary under node_modules/.bin) on a free port unless ``--against URL`` names one, then
runs ``aurigraph fuzz``'s loop. Examples::

    python tools/difffuzz.py --seconds 90                    # a random seed, printed
    python tools/difffuzz.py --seconds 3600 --seed 20261201 --out tests/fixtures/difffuzz   # release check

Exit code: 0 no divergence, 1 divergences (minimized cases written with --out), 2 anvil unusable."""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.cli.conformance import run_fuzz  # noqa: E402  (after the repository root is importable)

ANVIL = ROOT / "node_modules" / ".bin" / "anvil"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_anvil(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    if not ANVIL.exists():
        raise SystemExit("anvil is not installed: run scripts/setup (npm package @foundry-rs/anvil)")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log, "ab") as out:
        args = [str(ANVIL), "--hardfork", "prague", "--port", str(port), "--host", "127.0.0.1", "--silent"]
        proc = subprocess.Popen(args, stdout=out, stderr=out)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"anvil exited: {log.read_text()[-2000:]}")
        try:
            ping = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
            httpx.post(url, json=ping, timeout=1)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit("anvil did not start within 30 s")


def main() -> int:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("--against", help="a fresh reference node's URL (default: start anvil)")
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument("--seed", type=int, default=None, help="default: random, printed")
    parser.add_argument("--out", help="write minimized divergences here")
    parser.add_argument("--minimize-seconds", type=float, default=60.0)
    parser.add_argument("--json", dest="json_out", help="figures as JSON to this file ('-': stdout)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    proc = None
    url = args.against
    if url is None:
        proc, url = start_anvil(Path(tempfile.gettempdir()) / "difffuzz-anvil.log")
    try:
        return run_fuzz(
            url,
            args.seconds,
            args.seed,
            args.out,
            minimize_seconds=args.minimize_seconds,
            quiet=args.quiet,
            json_out=args.json_out,
        )
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    raise SystemExit(main())
