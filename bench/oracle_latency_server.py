"""Answer -> stored valuation as a user of a running server sees it; then one round over 10,000 assets.

    .venv/bin/python bench/oracle_latency_server.py                 # SQLite: 100 pushes, 100 assets x 3 ccy
    .venv/bin/python bench/oracle_latency_server.py --db postgresql --round-assets 0

bench/oracle_latency.py times the engine in the benchmark's own process; this one starts `aurigraph serve`
(a real process on a free port) and goes through its HTTP API only: the clock starts when
`POST /v1/feeds/XAU/USD/answers` is sent and stops when `GET /v1/assets/{symbol}/valuation` first answers a
valuation at (or after) the push's block — HTTP, the automined block, the server's valuation worker, its
commit and the read that sees it, polled every 2 ms. Then bench/valuation_round.py (the round alone over
--round-assets assets) runs on the same database kind, and its line is printed as it is.

Set-up (untimed): a fresh database, three AuriAggregators deployed through the server's JSON-RPC (web3.py
over HTTP) and registered over REST, N assets with pricing rules in USD, EUR and GBP (bulk insert, as
bench/valuation_round.py), an admin key made in the database."""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.db import make_engine, make_sessionmaker  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.oracles.chainlink import deploy_aggregator  # noqa: E402
from app.oracles.provider import make_web3  # noqa: E402
from app.rwa.registry import keys  # noqa: E402
from bench.valuation_round import PG, database, seed  # noqa: E402

PRICES = {"XAU/USD": "2000", "EUR/USD": "1.08", "GBP/USD": "1.27"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(url: str, tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "AURIGRAPH_DATABASE_URL": url, "AURIGRAPH_PORT": str(port),
           "AURIGRAPH_DATA_DIR": str(tmp / "data")}  # fmt: skip
    log = open(tmp / "server.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    ping = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}
    for _ in range(600):
        try:
            if httpx.post(base, json=ping, timeout=2).is_success:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError((tmp / "server.log").read_text()[-2000:])


def set_up(sm, base: str, client: httpx.Client, assets: int) -> None:  # type: ignore[no-untyped-def]
    w3 = make_web3(base)
    owner = w3.eth.accounts[0]
    for pair, price in PRICES.items():
        address = deploy_aggregator(w3, decimals=8, description=pair, answer=Decimal(price), sender=owner)
        r = client.post("/v1/feeds", json={"pair": pair, "address": address, "heartbeat_s": 86400})
        assert r.status_code == 201, r.text
    seed(sm, assets, ["USD", "EUR", "GBP"])


def latencies(client: httpx.Client, pushes: int, symbol: str) -> list[float]:
    out = []
    for i in range(pushes):
        started = time.perf_counter()
        r = client.post(
            "/v1/feeds/XAU/USD/answers", json={"price": str(Decimal(2000) + Decimal(i + 1) / 100)}
        )
        assert r.status_code == 201, r.text
        block = r.json()["block"]
        while True:
            v = client.get(f"/v1/assets/{symbol}/valuation", params={"currency": "GBP"})
            if v.status_code == 200 and v.json()["block_number"] >= block:
                break
            time.sleep(0.002)
        out.append(time.perf_counter() - started)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql"])
    ap.add_argument("--pushes", type=int, default=100)
    ap.add_argument("--assets", type=int, default=100)
    ap.add_argument("--round-assets", type=int, default=10_000, help="0: skip bench/valuation_round.py")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        url, schema = database(args.db, tmp)
        proc = None
        try:
            upgrade(url)
            engine = make_engine(url)
            sm = make_sessionmaker(engine)
            with sm.begin() as s:
                _, admin = keys.create_key(s, actor="bench", role="admin", name="bench")
            proc, base = serve(url, tmp)
            with httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {admin}"}, timeout=30
            ) as client:
                set_up(sm, base, client, args.assets)
                ms = sorted(x * 1000 for x in latencies(client, args.pushes, f"B{args.assets}"))
            p99 = ms[min(len(ms) - 1, round(0.99 * len(ms)) - 1)]
            print(
                f"{args.db}: answer -> stored valuation through a running server (REST push -> REST read), "
                f"{args.pushes} pushes, {args.assets} assets x 3 currencies: "
                f"p50 {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms, max {ms[-1]:.1f} ms",
                flush=True,
            )
            engine.dispose()
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(30)
            if schema:
                with create_engine(PG, isolation_level="AUTOCOMMIT").connect() as conn:
                    conn.execute(text(f'drop schema "{schema}" cascade'))
    if args.round_assets:
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "valuation_round.py"), "--db", args.db,
             "--assets", str(args.round_assets)],
            check=True,
        )  # fmt: skip


if __name__ == "__main__":
    main()
