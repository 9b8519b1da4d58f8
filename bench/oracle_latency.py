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

from sqlalchemy import create_engine, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.evm.node.chain import Chain
from app.evm.rpc.eth import Rpc
from app.migrate import upgrade
from app.oracles.chainlink import deploy_aggregator, push_answer
from app.oracles.provider import make_web3
from app.rwa.valuation import chainio, feeds
from app.rwa.valuation.engine import ValuationEngine
from app.rwa.valuation.models import Valuation
from bench.valuation_round import PG, database, seed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pushes", type=int, default=200)
    ap.add_argument("--assets", type=int, default=100)
    ap.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql"])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url, schema = database(args.db, Path(tmp))
        try:
            upgrade(url)
            engine = make_engine(url)
            sm = make_sessionmaker(engine)
            chain = Chain(engine, Settings(database_url=url, data_dir=Path(tmp) / "data"))
            dispatch = Rpc(chain).handle
            w3 = make_web3("local", dispatch)
            owner = w3.eth.accounts[0]
            web3s = chainio.PinnedWeb3s(dispatch)
            prices = {"XAU/USD": "2000", "EUR/USD": "1.08", "GBP/USD": "1.27"}
            addresses = {
                p: deploy_aggregator(w3, decimals=8, description=p, answer=Decimal(v), sender=owner)
                for p, v in prices.items()
            }
            with sm.begin() as s:
                for pair, address in addresses.items():
                    data = feeds.FeedInput(pair=pair, address=address, heartbeat_s=86400)
                    feeds.register_feed(
                        s, actor="bench", data=data, read_meta=lambda n, a: chainio.read_meta(web3s, n, a)
                    )
            seed(sm, args.assets, ["USD", "EUR", "GBP"])
            val = ValuationEngine(sm, chain, dispatch).start()
            val.wait_for(chain.head_number)
            latencies = []
            for i in range(args.pushes):
                started = time.perf_counter()
                push_answer(w3, addresses["XAU/USD"], Decimal(2000) + Decimal(i) / 100, owner)
                assert val.wait_for(chain.head_number, timeout=30)
                latencies.append(time.perf_counter() - started)
            val.close()
            with sm() as s:
                stored = s.scalar(select(func.count()).select_from(Valuation))
            assert stored >= args.pushes * args.assets * 3, stored
            ms = sorted(x * 1000 for x in latencies)
            p99 = ms[min(len(ms) - 1, round(0.99 * len(ms)) - 1)]
            print(
                f"{args.db}: answer -> stored valuation over {args.pushes} pushes, {args.assets} assets x 3 "
                f"currencies: p50 {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms, max {ms[-1]:.1f} ms"
            )
            chain.close()
            engine.dispose()
        finally:
            if schema:
                with create_engine(PG, isolation_level="AUTOCOMMIT").connect() as conn:
                    conn.execute(text(f'drop schema "{schema}" cascade'))


if __name__ == "__main__":
    main()
