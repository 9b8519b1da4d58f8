"""One valuation round over N assets: the engine reads the moved feed through web3.py at its block (our
chain, in process), revalues every asset priced by it in each currency, and appends the history rows.

    .venv/bin/python bench/valuation_round.py                      # 10,000 assets, USD, on SQLite
    .venv/bin/python bench/valuation_round.py --assets 10000 --currencies USD,EUR,GBP --db postgresql

Set-up (untimed): a fresh migrated database, our chain with XAU/USD, EUR/USD and GBP/USD AuriAggregators,
N assets with a pricing rule each (inserted in bulk). Timed: `ValuationEngine.process_block` for the block
of one XAU/USD push (AnswerUpdated lookup, guarded reads, N x currencies rows inserted, ROUND_LISTENERS),
best and median of --rounds pushes."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.evm.node.chain import Chain
from app.evm.rpc.dispatch import Rpc
from app.migrate import upgrade
from app.oracles.chainlink import deploy_aggregator, push_answer
from app.oracles.provider import make_web3
from app.rwa.feeds import chainio
from app.rwa.feeds import registry as feeds
from app.rwa.models import Asset, Issuer
from app.rwa.valuation.engine import ValuationEngine
from app.rwa.valuation.models import PricingRule

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def database(kind: str, tmp: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}", None
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with create_engine(PG, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'create schema "{schema}"'))
    return f"{PG}?options=-csearch_path%3D{schema}", schema


@dataclass
class World:
    """A migrated database, our chain in process and the three feeds deployed on it and registered."""

    sm: sessionmaker[Session]
    chain: Chain
    dispatch: Any
    w3: Any
    owner: str
    addresses: dict[str, str]


@contextmanager
def oracle_world(kind: str, tmp: Path) -> Iterator[World]:
    url, schema = database(kind, tmp)
    try:
        upgrade(url)
        engine = make_engine(url)
        sm = make_sessionmaker(engine)
        chain = Chain(engine, Settings(database_url=url, data_dir=tmp / "data"))
        dispatch = Rpc(chain).handle
        w3 = make_web3("local", dispatch)
        owner = w3.eth.accounts[0]
        web3s = chainio.PinnedWeb3s(dispatch)
        prices = {"XAU/USD": "2000", "EUR/USD": "1.08", "GBP/USD": "1.27"}
        addresses = {
            pair: deploy_aggregator(w3, decimals=8, description=pair, answer=Decimal(price), sender=owner)
            for pair, price in prices.items()
        }  # deployed before the registry's transaction: its writes hold SQLite's lock until commit
        with sm.begin() as s:
            for pair, address in addresses.items():
                data = feeds.FeedInput(pair=pair, address=address, heartbeat_s=86400)
                feeds.register_feed(
                    s, actor="bench", data=data, read_meta=lambda n, a: chainio.read_meta(web3s, n, a)
                )
        yield World(sm, chain, dispatch, w3, owner, addresses)
        chain.close()
        engine.dispose()
    finally:
        if schema:
            with create_engine(PG, isolation_level="AUTOCOMMIT").connect() as conn:
                conn.execute(text(f'drop schema "{schema}" cascade'))


def seed(sm, n: int, currencies: list[str]) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    with sm.begin() as s:
        s.execute(insert(Issuer), [{"id": 1, "name": "Bench", "country": 276, "created_at": now}])
        s.execute(insert(Asset.__table__), [
            {"id": i, "symbol": f"B{i}", "name": "bench", "asset_class": "commodity", "issuer_id": 1,
             "jurisdiction": "DE", "currency": "USD", "decimals": 18, "max_units": None,
             "issued_units": 10**18 + i, "status": "active", "created_at": now}
            for i in range(1, n + 1)
        ])  # fmt: skip
        s.execute(insert(PricingRule.__table__), [
            {"asset_id": i, "kind": "units", "feed_pair": "XAU/USD", "base_units": 10**18,
             "currencies": currencies, "updated_at": now}
            for i in range(1, n + 1)
        ])  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--assets", type=int, default=10_000)
    ap.add_argument("--currencies", default="USD")
    ap.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql"])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    currencies = args.currencies.split(",")
    with tempfile.TemporaryDirectory() as tmp, oracle_world(args.db, Path(tmp)) as world:
        seed(world.sm, args.assets, currencies)
        val = ValuationEngine(world.sm, world.chain, world.dispatch)  # not started: rounds run here, timed
        times = []
        for i in range(args.rounds):
            push_answer(world.w3, world.addresses["XAU/USD"], Decimal(2000 + i), world.owner)
            started = time.perf_counter()
            valued = val.process_block(world.chain.head_number)
            times.append(time.perf_counter() - started)
            assert len(valued) == args.assets, len(valued)
        rows = args.assets * len(currencies)
        print(
            f"{args.db}: round over {args.assets} assets x {len(currencies)} currencies ({rows} rows): "
            f"best {min(times):.3f} s, median {statistics.median(times):.3f} s over {args.rounds} rounds"
        )


if __name__ == "__main__":
    main()
