"""Answer -> stored valuation: push a price on our chain (in process, through web3.py) and time until the
valuation engine's worker has committed the valuation of that block, for --pushes pushes; p50 and p99.

    .venv/bin/python bench/oracle_latency.py                    # 200 pushes, 100 assets, SQLite
    .venv/bin/python bench/oracle_latency.py --db postgresql --assets 1000

The clock starts when the push's transaction is sent (eth_sendTransaction through the in-process provider,
automine) and stops when the engine reports the block processed (its round committed, ROUND_LISTENERS run).
Set-up (untimed) as in bench/valuation_round.py: a fresh database, three feeds, N assets."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.oracles.chainlink import push_answer
from app.rwa.valuation.engine import ValuationEngine
from app.rwa.valuation.models import Valuation
from bench.valuation_round import oracle_world, seed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pushes", type=int, default=200)
    ap.add_argument("--assets", type=int, default=100)
    ap.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql"])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, oracle_world(args.db, Path(tmp)) as world:
        seed(world.sm, args.assets, ["USD", "EUR", "GBP"])
        val = ValuationEngine(world.sm, world.chain, world.dispatch).start()
        val.wait_for(world.chain.head_number)
        latencies = []
        for i in range(args.pushes):
            started = time.perf_counter()
            price = Decimal(2000) + Decimal(i) / 100
            push_answer(world.w3, world.addresses["XAU/USD"], price, world.owner)
            assert val.wait_for(world.chain.head_number, timeout=30)
            latencies.append(time.perf_counter() - started)
        val.close()
        with world.sm() as s:
            stored = s.scalar(select(func.count()).select_from(Valuation))
        assert stored >= args.pushes * args.assets * 3, stored
        ms = sorted(x * 1000 for x in latencies)
        p99 = ms[min(len(ms) - 1, round(0.99 * len(ms)) - 1)]
        print(
            f"{args.db}: answer -> stored valuation over {args.pushes} pushes, {args.assets} assets x 3 "
            f"currencies: p50 {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms, max {ms[-1]:.1f} ms"
        )


if __name__ == "__main__":
    main()
