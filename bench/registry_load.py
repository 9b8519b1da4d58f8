#!/usr/bin/env python3
"""Registry load test: compliant transfers per second, every one checked by the compliance rules and
written with its movement row and audit entry, on PostgreSQL (default) or SQLite.

Phases (each on the same seeded registry, one after the other):

  serial   one transfer per transaction, one writer (what one REST request does, without HTTP)
  threads  one transfer per transaction, --threads writers at once
  grouped  single transfers from --callers threads at once through the TransferCommitter (group commit:
           one transaction and one commit per group of waiting transfers, each transfer with its own
           movement, audit entry and outcome); `grouped@N` sets the callers, e.g. grouped@4,grouped@64
  batch    `transfer_batch`: --batch transfers per transaction (a settlement run), one writer; each transfer
           checked by the same rules and written as its own movement row; ONE audit entry per batch
           lists every transfer of it
  batch-threads  the same with --threads writers
  http     POST /v1/assets/{symbol}/transfers to a real `aurigraph serve` (group-committed by the server),
           --threads keep-alive clients; `http@N` sets the clients
  http-batch  POST /v1/assets/{symbol}/transfers/batch with up to --batch transfers each, all of one sender
           (a plain transfer is the holder's own: each sender has an investor key), --threads clients

Set-up (untimed): a fresh PostgreSQL schema (dropped afterwards) or SQLite file, migrated; one issuer, one
active asset with rules (KYC, an allow-list of 10 countries, minimum transfer, max balance per holder),
--investors verified identities with one wallet each, each issued 10^24 units. Every transfer moves
1..1000 units between two random investors, so every one is compliant; the script checks that none was
refused, that the holdings still sum to the supply and that each transfer added one audit entry.

    .venv/bin/python bench/registry_load.py                          # PostgreSQL at AURIGRAPH_TEST_PG_URL
    .venv/bin/python bench/registry_load.py --phases serial,batch --transfers 5000
    .venv/bin/python bench/registry_load.py --phases grouped@4,grouped@64,http@64 --writers 2
    .venv/bin/python bench/registry_load.py --db sqlite --json out.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from app.db import make_engine, make_sessionmaker  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.rwa.audit.models import AuditEntry  # noqa: E402
from app.rwa.ledger import settlement  # noqa: E402
from app.rwa.ledger import transfers as ledger  # noqa: E402
from app.rwa.ledger.group_commit import TransferCommitter  # noqa: E402
from app.rwa.models import Asset  # noqa: E402
from app.rwa.registry import assets, identities, keys  # noqa: E402
from app.rwa.registry.assets import RulesInput  # noqa: E402

PG_URL = os.environ.get("AURIGRAPH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
COUNTRIES = [276, 250, 40, 56, 380, 442, 528, 724, 756, 826]
SYMBOL = "BENCH-1"
Transfer = tuple[str, str, int]


def wallet(i: int) -> str:
    return f"0x{i + 1:040x}"


def seed(sm: sessionmaker[Session], investors: int) -> None:
    now = datetime.now(UTC)
    with sm.begin() as s:
        issuer = assets.create_issuer(s, actor="bench", name="Bench Issuer", country=276)
        rules = RulesInput(allowed_countries=COUNTRIES, min_transfer=1, max_balance=10**30)
        assets.create_asset(
            s,
            actor="bench",
            issuer_id=issuer.id,
            symbol=SYMBOL,
            name="Bench asset",
            asset_class="fund",
            jurisdiction="LU",
            currency="EUR",
            decimals=18,
            rules=rules,
        )
        assets.set_status(s, actor="bench", symbol=SYMBOL, status="active")
        for i in range(investors):
            identities.create_identity(
                s,
                actor="bench",
                reference=f"bench-{i}",
                label=f"Investor {i}",
                country=COUNTRIES[i % 10],
                category="professional",
                kyc_status="verified",
                kyc_expires_at=now + timedelta(days=365),
                wallets=[wallet(i)],
            )
            ledger.issue(s, actor="bench", symbol=SYMBOL, wallet=wallet(i), units=10**24)


def workload(n: int, investors: int, seed_: int) -> list[Transfer]:
    rng = random.Random(seed_)
    out = []
    for _ in range(n):
        a, b = rng.sample(range(investors), 2)
        out.append((wallet(a), wallet(b), rng.randint(1, 1000)))
    return out


def state(sm: sessionmaker[Session]) -> tuple[int, int, int]:
    with sm.begin() as s:
        held = sum(p.balance for p in assets.positions(s, symbol=SYMBOL))
        issued = s.scalar(select(Asset.issued_units).where(Asset.symbol == SYMBOL))
        entries = s.scalar(select(func.count()).select_from(AuditEntry))
    return held, int(issued or 0), int(entries or 0)


def run_threads(work: list[Transfer], threads: int, one: Callable[[Transfer], None]) -> float:
    chunks = [work[i::threads] for i in range(threads)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads + 1)

    def go(chunk: list[Transfer]) -> None:
        barrier.wait()
        try:
            for t in chunk:
                one(t)
        except BaseException as exc:  # report, do not hang the barrier of the others
            errors.append(exc)

    pool = [threading.Thread(target=go, args=(c,)) for c in chunks]
    for t in pool:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise errors[0]
    return elapsed


def phase_tx(sm: sessionmaker[Session], work: list[Transfer], threads: int) -> float:
    def one(t: Transfer) -> None:
        with sm.begin() as s:
            ledger.transfer(s, actor="bench", symbol=SYMBOL, sender=t[0], receiver=t[1], units=t[2])

    return run_threads(work, threads, one)


def phase_grouped(url: str, work: list[Transfer], callers: int, writers: int) -> float:
    """Single transfers from `callers` threads through one TransferCommitter (its own engine, as the app)."""
    engine = make_engine(url, pool_size=writers, max_overflow=0)
    try:
        with TransferCommitter(make_sessionmaker(engine), writers=writers) as committer:

            def one(t: Transfer) -> None:
                committer.transfer(actor="bench", symbol=SYMBOL, sender=t[0], receiver=t[1], units=t[2])

            elapsed = run_threads(work, callers, one)
        print(f"  mean group {committer.transfers / max(committer.groups, 1):.1f} transfers", flush=True)
        return elapsed
    finally:
        engine.dispose()


def phase_batch(sm: sessionmaker[Session], work: list[Transfer], batch: int, threads: int) -> float:
    """`settlement.transfer_batch`: `batch` transfers a transaction (a movement row each, one audit entry)."""
    batches = [work[i : i + batch] for i in range(0, len(work), batch)]

    def one(chunk: list[Transfer]) -> None:
        with sm.begin() as s:
            orders = [settlement.TransferOrder(a, b, u) for a, b, u in chunk]
            settlement.transfer_batch(s, actor="bench", symbol=SYMBOL, orders=orders)

    return run_threads(batches, threads, one)  # type: ignore[arg-type]


def phase_http(
    url: str,
    sm: sessionmaker[Session],
    work: list[Transfer],
    threads: int,
    data_dir: Path,
    batch: int = 0,
    writers: int = 1,
) -> tuple[float, int]:
    """Returns the time and the number of API keys made (each an audit entry): a plain transfer is the
    holder's own (issue 11), so every sender gets an investor key and a batch holds one sender's transfers."""
    tokens = _holder_keys(sm, {a for a, _, _ in work})
    port = _free_port()
    env = {
        **os.environ,
        "AURIGRAPH_DATABASE_URL": url,
        "AURIGRAPH_PORT": str(port),
        "AURIGRAPH_DATA_DIR": str(data_dir),
        "AURIGRAPH_TRANSFER_WRITERS": str(writers),
    }
    log = open(data_dir / "server.log", "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    try:
        _wait(port)
        local = threading.local()

        def post(path: str, body: dict[str, object], sender: str) -> None:
            conn = getattr(local, "conn", None) or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            local.conn = conn
            headers = {"Authorization": f"Bearer {tokens[sender]}", "Content-Type": "application/json"}
            conn.request("POST", f"/v1/assets/{SYMBOL}/{path}", body=json.dumps(body), headers=headers)
            r = conn.getresponse()
            payload = r.read()
            if r.status != 201:
                raise RuntimeError(f"transfer refused: {r.status} {payload[:200]!r}")

        if batch:
            chunks = _sender_batches(work, batch)
            body = [
                (c[0][0], {"transfers": [{"from": a, "to": b, "units": u} for a, b, u in c]}) for c in chunks
            ]
            elapsed = run_threads(body, threads, lambda b: post("transfers/batch", b[1], b[0]))  # type: ignore[arg-type, index]
        else:
            elapsed = run_threads(
                work, threads, lambda t: post("transfers", {"from": t[0], "to": t[1], "units": t[2]}, t[0])
            )
        return elapsed, len(tokens)
    finally:
        proc.terminate()
        proc.wait(10)


def _holder_keys(sm: sessionmaker[Session], senders: set[str]) -> dict[str, str]:
    """An investor key for each sender wallet's identity."""
    out = {}
    with sm.begin() as s:
        for w in sorted(senders):
            ident = identities.identity_of_wallet(s, w)
            _, out[w] = keys.create_key(
                s, actor="bench", role="investor", name=f"bench {w}", identity_id=ident
            )
    return out


def _sender_batches(work: list[Transfer], size: int) -> list[list[Transfer]]:
    """Batches of up to `size` transfers, each of one sender (in the order of the work)."""
    by_sender: dict[str, list[Transfer]] = {}
    for t in work:
        by_sender.setdefault(t[0], []).append(t)
    return [ts[i : i + size] for ts in by_sender.values() for i in range(0, len(ts), size)]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/v1/audit/public-key")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not start")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    p.add_argument("--investors", type=int, default=500)
    p.add_argument("--transfers", type=int, default=3000, help="transfers per phase")
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--callers", type=int, default=32, help="concurrent callers of the grouped phase")
    p.add_argument("--writers", type=int, default=1, help="group-commit writers (grouped and http)")
    p.add_argument("--batch", type=int, default=500, help="transfers per transaction in the batch phase")
    p.add_argument(
        "--phases",
        default="serial,threads,grouped@4,grouped@16,grouped@32,grouped@64,grouped@128,"
        "batch,batch-threads,http,http@16,http@64,http-batch",
    )
    p.add_argument("--goal", type=float, default=2000.0, help="transfers/s the best phase should reach")
    p.add_argument("--json", type=Path, help="also write the results here")
    args = p.parse_args(argv)
    phases = [x for x in args.phases.split(",") if x]

    tmp = Path(tempfile.mkdtemp(prefix="registry-load-"))
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = None
    if args.db == "postgresql":
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'create schema "{schema}"'))
        sep = "&" if "?" in PG_URL else "?"
        url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{tmp / 'bench.db'}"
    engine = make_engine(url, pool_size=args.threads + 2) if args.db == "postgresql" else make_engine(url)
    results: dict[str, float] = {}
    try:
        upgrade(url)
        sm = make_sessionmaker(engine)
        t0 = time.perf_counter()
        seed(sm, args.investors)
        took = time.perf_counter() - t0
        print(f"seeded {args.investors} investors in {took:.1f}s ({args.db}, {os.cpu_count()} cores)")
        for n, phase in enumerate(phases):
            name, _, count = phase.partition("@")
            threads = int(count) if count else (args.callers if name == "grouped" else args.threads)
            work = workload(args.transfers, args.investors, n)
            _, _, before = state(sm)
            if name == "serial":
                elapsed = phase_tx(sm, work, 1)
            elif name == "threads":
                elapsed = phase_tx(sm, work, threads)
            elif name == "grouped":
                elapsed = phase_grouped(url, work, threads, args.writers)
            elif name == "batch":
                elapsed = phase_batch(sm, work, args.batch, 1)
            elif name == "batch-threads":
                elapsed = phase_batch(sm, work, args.batch, threads)
            elif name == "http":
                elapsed, made = phase_http(url, sm, work, threads, tmp, writers=args.writers)
            elif name == "http-batch":
                elapsed, made = phase_http(url, sm, work, threads, tmp, batch=args.batch)
            else:
                raise SystemExit(f"unknown phase {name}")
            held, issued, after = state(sm)
            assert held == issued, f"holdings {held} != supply {issued}"
            added = after - before - (made if name.startswith("http") else 0)  # http phases make API keys
            batches = (
                len(_sender_batches(work, args.batch))
                if name == "http-batch"
                else -(-len(work) // args.batch)
            )
            expected = batches if "batch" in name else len(work)  # a batch is one audit entry
            assert added == expected, f"{added} audit entries for {len(work)} transfers"
            results[phase] = len(work) / elapsed
            label = {
                "threads": f"threads x{threads}",
                "grouped": f"grouped x{threads}",
                "batch": f"batches of {args.batch}",
                "batch-threads": f"batches x{threads}",
                "http": f"http x{threads}",
                "http-batch": f"http batches x{threads}",
            }.get(name, name)
            print(
                f"{label:16s} {len(work):6d} transfers in {elapsed:6.2f}s  {results[phase]:8.0f} transfers/s",
                flush=True,
            )
    finally:
        engine.dispose()
        if admin is not None:
            with admin.connect() as c:
                c.execute(text(f'drop schema "{schema}" cascade'))
            admin.dispose()
    best = max(results, key=results.__getitem__)
    verdict = "met" if results[best] >= args.goal else "NOT met"
    print(f"goal {args.goal:.0f} transfers/s: {verdict} (best: {best}, {results[best]:.0f}/s)")
    if args.json:
        args.json.write_text(
            json.dumps({"db": args.db, "cores": os.cpu_count(), "results": results}, indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
