#!/usr/bin/env python3
"""How cost grows with state (issue 15, item 4): 100, 1,000 and 10,000 ERC-20 contracts with a few holders
each, on SQLite and PostgreSQL; at every size: eth_call balanceOf and transfer latency on random contracts,
resident memory, database size, and the time a restart takes to answer its first request.

One ``aurigraph serve`` per database, grown from one size to the next (the state of 1,000 contains that of
100). Set-up, untimed: automine off, an impersonated deployer (anvil_impersonateAccount: no signing, so
that 10,000 deploys take minutes, not hours) sends each contract's deploy of contracts/build/AuriToken.json
and two transfers (to dev account 1, the timed sender, and to a fresh holder) in JSON-RPC batches of
eth_sendTransaction, mined with evm_mine until the pool is empty; then automine back on. At every size:

  call       --calls eth_call balanceOf(holder) on random contracts, one keep-alive connection; every
             answer checked
  transfer   --transfers transfers of 1 token of a random contract from dev account 1 to a fresh address:
             eth_sendRawTransaction (signed by the bench) + eth_getTransactionReceipt until mined
  memory     VmRSS of the server process after the timed requests (Linux /proc)
  database   SQLite: the file and its WAL; PostgreSQL: pg_total_relation_size of every table of the schema
  restart    SIGINT, wait for the process to exit, start it again on the same database: seconds from the
             start until eth_chainId answers, and until the first balanceOf answers; RSS after that call

Goals (issue 15), printed met / NOT MET: call and transfer p50 at the largest size within 1.2x of the
smallest; restart to first answer < 10 s at the largest; memory and restart time grow no faster than the
state (their ratio largest/smallest at most the database's). Run from the repo root:

    .venv/bin/python bench/state_scale.py              # 100, 1,000, 10,000 on SQLite and PostgreSQL
    .venv/bin/python bench/state_scale.py --quick      # 20, 100, 200 contracts, SQLite: ~2 minutes
    .venv/bin/python bench/state_scale.py --sizes 100,1000 --db postgresql --json out.json
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_utils import keccak, to_checksum_address

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rpc_load as rl  # the nodes, the client and the artifact reader are rpc_load's

DEPLOYER = "0x000000000000000000000000000000000000d3a1"  # impersonated: no key, no signatures
SUPPLY = 10**6 * 10**18
HOLDER_SHARE = 1_000 * 10**18
LATENCY_GOAL = 1.2  # p50 at the largest size over p50 at the smallest, at most
RESTART_GOAL_S = 10.0


def _percentiles(ms: list[float]) -> dict[str, float]:
    s = sorted(ms)
    return {"n": len(s), "p50": s[len(s) // 2], "p99": s[min(len(s) - 1, int(0.99 * len(s)))]}


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise rl.BenchError("no VmRSS")


def _db_mb(node: rl.Ours) -> float:
    if node.db.startswith("sqlite"):
        files = [node.workdir / "ours.db", node.workdir / "ours.db-wal"]
        return sum(f.stat().st_size for f in files if f.exists()) / 2**20
    import psycopg

    schema = node.url.rsplit("%3D", 1)[1]
    with psycopg.connect(rl.PG_BASE.replace("+psycopg", ""), autocommit=True) as conn:
        row = conn.execute(
            "select coalesce(sum(pg_total_relation_size("
            "format('%I.%I', schemaname, tablename)::regclass)), 0) from pg_tables where schemaname = %s",
            (schema,),
        ).fetchone()
    return int(row[0] if row else 0) / 2**20


class World:
    """The contracts deployed so far, their holders and balances (what every answer is checked against)."""

    def __init__(self, abi: list[dict[str, Any]], code: bytes) -> None:
        self.init_code = code + rl._constructor_args(abi, SUPPLY, DEPLOYER)
        Account.enable_unaudited_hdwallet_features()
        self.sender = Account.from_mnemonic(rl.MNEMONIC, account_path="m/44'/60'/0'/0/1")
        self.tokens: list[str] = []
        self.holders: list[tuple[str, str]] = []  # per token: (the sender, a fresh holder)
        self.balances: dict[tuple[int, str], int] = {}
        self.deploy_gas = 0
        self.sent = 0  # transfers signed by the sender so far (its nonce offset)


def _transfer_data(to: str, amount: int) -> str:
    return "0x" + (rl.TRANSFER_SEL + abi_encode(["address", "uint256"], [to, amount])).hex()


def _mine_all(c: rl.Client, hashes: list[str], deadline: float) -> list[dict[str, Any]]:
    """evm_mine until every transaction of ``hashes`` has a receipt (blocks fill up to their gas limit)."""
    while True:
        pending = int(c.call("txpool_status")["pending"], 16)
        if pending == 0:
            break
        c.call("evm_mine")
        if time.monotonic() > deadline:
            raise rl.BenchError("set-up: the pool did not empty in time")
    receipts = []
    for i in range(0, len(hashes), 500):
        for a in c.batch("eth_getTransactionReceipt", [[h] for h in hashes[i : i + 500]]):
            r = a.get("result")
            if not r or r.get("status") != "0x1":
                raise rl.BenchError(f"set-up transaction failed: {str(a)[:300]}")
            receipts.append(r)
    return receipts


def _send_all(c: rl.Client, txs: list[dict[str, Any]], batch: int) -> list[str]:
    hashes = []
    for i in range(0, len(txs), batch):
        for a in c.batch("eth_sendTransaction", [[t] for t in txs[i : i + batch]]):
            if "error" in a:
                raise rl.BenchError(f"set-up send: {a['error']}")
            hashes.append(a["result"])
    return hashes


def grow(c: rl.Client, world: World, target: int, batch: int) -> float:
    """Deploy contracts up to ``target`` and give each two holders; seconds it took."""
    t0 = time.perf_counter()
    deadline = time.monotonic() + 6 * 3600
    first = len(world.tokens)
    new = target - first
    if new <= 0:
        return 0.0
    c.call("evm_setAutomine", False)
    try:
        deploys = [{"from": DEPLOYER, "data": "0x" + world.init_code.hex(), "gas": hex(world.deploy_gas)}]
        for j in range(0, new, batch):
            receipts = _mine_all(c, _send_all(c, deploys * min(batch, new - j), batch), deadline)
            world.tokens += [to_checksum_address(r["contractAddress"]) for r in receipts]
            print(f"    {len(world.tokens):,} contracts deployed", flush=True)
        transfers = []
        for k in range(first, target):
            fresh = to_checksum_address(keccak(b"state-scale-holder" + k.to_bytes(8, "big"))[12:])
            world.holders.append((world.sender.address, fresh))
            for holder in world.holders[k]:
                world.balances[(k, holder)] = HOLDER_SHARE
                transfers.append(
                    {
                        "from": DEPLOYER,
                        "to": world.tokens[k],
                        "data": _transfer_data(holder, HOLDER_SHARE),
                        "gas": hex(rl.TRANSFER_GAS),
                    }
                )
        for j in range(0, len(transfers), batch * 4):
            _mine_all(c, _send_all(c, transfers[j : j + batch * 4], batch), deadline)
    finally:
        c.call("evm_setAutomine", True)
    return time.perf_counter() - t0


def time_calls(c: rl.Client, world: World, n: int, rng: random.Random) -> dict[str, float]:
    picks = [rng.randrange(len(world.tokens)) for _ in range(n)]
    bodies = []
    for k in picks:
        holder = world.holders[k][rng.randrange(2)]
        data = "0x" + (rl.BALANCE_OF_SEL + abi_encode(["address"], [holder])).hex()
        req = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "eth_call",
            "params": [{"to": world.tokens[k], "data": data}],
        }
        bodies.append((orjson.dumps(req), world.balances[(k, holder)]))
    took = []
    for body, expected in bodies:
        t0 = time.perf_counter_ns()
        out = c._post(body)
        took.append((time.perf_counter_ns() - t0) / 1e6)
        if int(out["result"], 16) != expected:
            raise rl.BenchError(f"balanceOf answered {out}, expected {expected}")
    return _percentiles(took)


def time_transfers(c: rl.Client, world: World, n: int, rng: random.Random) -> dict[str, float]:
    nonce = int(c.call("eth_getTransactionCount", world.sender.address, "latest"), 16)
    # the set-up's full blocks raise the base fee block after block: pay what the chain asks now
    base_fee = int(c.call("eth_getBlockByNumber", "latest", False)["baseFeePerGas"], 16)
    max_fee = max(rl.MAX_FEE, 2 * base_fee + rl.TIP)
    signed = []
    for i in range(n):
        k = rng.randrange(len(world.tokens))
        to = to_checksum_address(keccak(b"state-scale-to" + (world.sent + i).to_bytes(8, "big"))[12:])
        tx = {
            "type": 2,
            "chainId": rl.CHAIN_ID,
            "nonce": nonce + i,
            "maxFeePerGas": max_fee,
            "maxPriorityFeePerGas": rl.TIP,
            "gas": rl.TRANSFER_GAS,
            "value": 0,
            "to": world.tokens[k],
            "data": _transfer_data(to, 1),
        }
        raw = "0x" + bytes(world.sender.sign_transaction(tx).raw_transaction).hex()
        signed.append(
            (
                k,
                orjson.dumps(
                    {"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction", "params": [raw]}
                ),
            )
        )
    world.sent += n
    took = []
    deadline = time.monotonic() + 600
    for k, body in signed:
        t0 = time.perf_counter_ns()
        out = c._post(body)
        if "error" in out:
            raise rl.BenchError(f"transfer: {out['error']}")
        rcpt, _ = rl.wait_receipt(c, out["result"], deadline)
        took.append((time.perf_counter_ns() - t0) / 1e6)
        rl._check_receipt(rcpt, "transfer")
        world.balances[(k, world.sender.address)] -= 1
    return _percentiles(took)


def restart(node: rl.Ours, world: World, timeout: float) -> tuple[rl.Client, dict[str, float]]:
    """Stop the server (SIGINT, as Ctrl-C) and start it on the same database: the seconds until it answers
    eth_chainId and until it answers a balanceOf."""
    assert node.proc is not None
    os.killpg(node.proc.pid, signal.SIGINT)
    node.proc.wait(120)
    t0 = time.monotonic()
    c = node.start(timeout)  # polls eth_chainId every 0.2 s
    first = time.monotonic() - t0
    holder = world.holders[0][1]
    data = "0x" + (rl.BALANCE_OF_SEL + abi_encode(["address"], [holder])).hex()
    out = c.call("eth_call", {"to": world.tokens[0], "data": data}, "latest")
    call = time.monotonic() - t0
    if int(out, 16) != world.balances[(0, holder)]:
        raise rl.BenchError(f"after the restart balanceOf answered {out}")
    return c, {"first_answer_s": first, "first_call_s": call, "rss_mb": _rss_mb(node.proc.pid)}


def bench_db(
    db: str, sizes: list[int], world: World, args: argparse.Namespace, workdir: Path
) -> list[dict[str, Any]]:
    node = rl.Ours(workdir, db, None, 0)
    rng = random.Random(15)
    rows = []
    c = node.start(args.start_timeout)
    try:
        c.call("anvil_impersonateAccount", DEPLOYER)
        c.call("anvil_setBalance", DEPLOYER, hex(10**30))
        probe = {"from": DEPLOYER, "data": "0x" + world.init_code.hex()}
        world.deploy_gas = int(int(c.call("eth_estimateGas", probe), 16) * 1.1)
        for size in sizes:
            print(f"  {node.label}: growing to {size:,} contracts", flush=True)
            setup_s = grow(c, world, size, args.batch)
            row: dict[str, Any] = {"contracts": size, "setup_s": round(setup_s, 1)}
            row["head"] = int(c.call("eth_blockNumber"), 16)
            row["call"] = time_calls(c, world, args.calls, rng)
            row["transfer"] = time_transfers(c, world, args.transfers, rng)
            assert node.proc is not None
            row["rss_mb"] = _rss_mb(node.proc.pid)
            row["db_mb"] = _db_mb(node)
            c.close()
            c, row["restart"] = restart(node, world, args.start_timeout)
            c.call("anvil_impersonateAccount", DEPLOYER)  # not remembered across a restart
            rows.append(row)
            print("  " + _row_text(node.name, row), flush=True)
        return rows
    finally:
        c.close()
        node.stop()


def _row_text(name: str, r: dict[str, Any]) -> str:
    s = r["restart"]
    return (
        f"{name:<20}{r['contracts']:>9,}{r['head']:>8,}{r['call']['p50']:>9.2f}{r['call']['p99']:>9.2f}"
        f"{r['transfer']['p50']:>9.2f}{r['transfer']['p99']:>9.2f}{r['rss_mb']:>9.0f}{r['db_mb']:>10.1f}"
        f"{s['first_answer_s']:>9.1f}{s['first_call_s']:>9.1f}{s['rss_mb']:>9.0f}{r['setup_s']:>9.0f}"
    )


HEADER = (
    f"{'node':<20}{'contracts':>9}{'blocks':>8}{'call50':>9}{'call99':>9}{'xfer50':>9}{'xfer99':>9}"
    f"{'RSS MB':>9}{'DB MB':>10}{'start s':>9}{'1st call':>9}{'RSS new':>9}{'setup s':>9}"
)


def goals(name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(rows) < 2:
        return []
    a, b = rows[0], rows[-1]
    out = []

    def add(what: str, got: float, need: float, met: bool) -> None:
        out.append({"node": name, "goal": what, "got": round(got, 3), "need": need, "met": met})

    for kind in ("call", "transfer"):
        r = b[kind]["p50"] / a[kind]["p50"]
        add(
            f"{kind} p50 at {b['contracts']:,} / at {a['contracts']:,} <= {LATENCY_GOAL}",
            r,
            LATENCY_GOAL,
            r <= LATENCY_GOAL,
        )
    t = b["restart"]["first_answer_s"]
    add(
        f"restart to first answer at {b['contracts']:,} < {RESTART_GOAL_S:g} s",
        t,
        RESTART_GOAL_S,
        t < RESTART_GOAL_S,
    )
    grow_db = b["db_mb"] / a["db_mb"]
    for what, key in (
        ("RSS after restart", ("restart", "rss_mb")),
        ("restart time", ("restart", "first_answer_s")),
    ):
        r = b[key[0]][key[1]] / a[key[0]][key[1]]
        add(f"{what} grows no faster than the database ({grow_db:.2f}x)", r, round(grow_db, 3), r <= grow_db)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--sizes", type=lambda v: sorted({int(x) for x in v.split(",")}), default=[100, 1000, 10000]
    )
    p.add_argument("--db", type=rl._csv(("sqlite", "postgresql")), default=["sqlite", "postgresql"])
    p.add_argument("--calls", type=int, default=500, help="timed balanceOf calls a size (default 500)")
    p.add_argument("--transfers", type=int, default=100, help="timed transfers a size (default 100)")
    p.add_argument("--batch", type=int, default=200, help="set-up deploys a JSON-RPC batch (default 200)")
    p.add_argument(
        "--quick", action="store_true", help="--sizes 20,100,200 --db sqlite --calls 200 --transfers 30"
    )
    p.add_argument("--artifact", type=Path, default=rl.ROOT / "contracts" / "build" / "AuriToken.json")
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("--start-timeout", type=float, default=600.0)
    args = p.parse_args(argv)
    if args.quick:
        args.sizes, args.db, args.calls, args.transfers = [20, 100, 200], ["sqlite"], 200, 30
    signal.signal(signal.SIGTERM, rl._on_signal)
    atexit.register(lambda: [n.stop(grace=5) for n in list(rl._LIVE)])
    abi, code, _ = rl._artifact(args.artifact)
    results: dict[str, list[dict[str, Any]]] = {}
    failures: dict[str, str] = {}
    workroot = Path(tempfile.mkdtemp(prefix="aurigraph-scale-"))
    try:
        for db in args.db:
            workdir = workroot / db
            workdir.mkdir()
            print(f"{db}: sizes {', '.join(f'{s:,}' for s in args.sizes)}\n  {HEADER}", flush=True)
            try:
                results[f"ours-{db}"] = bench_db(db, args.sizes, World(abi, code), args, workdir)
            except rl.BenchError as exc:
                failures[db] = str(exc)
                print(f"  {db} FAILED: {exc}", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        return 130
    finally:
        for n in list(rl._LIVE):
            n.stop(grace=5)
        import shutil

        shutil.rmtree(workroot, ignore_errors=True)
    print("\n" + HEADER)
    all_goals = []
    for name, rows in results.items():
        for r in rows:
            print(_row_text(name, r))
        all_goals += goals(name, rows)
    print("(ms for call/xfer p50/p99; start s: restart to first eth_chainId; 1st call: to first balanceOf)")
    for g in all_goals:
        print(f"  {g['node']:<18}{g['goal']:<64}{'MET' if g['met'] else 'NOT MET'} ({g['got']})")
    if args.json is not None:
        data = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "args": {k: (rl._rel(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "results": results,
            "goals": all_goals,
            "failures": failures,
        }
        args.json.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
