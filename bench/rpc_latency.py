#!/usr/bin/env python3
"""JSON-RPC latency per method: our server (SQLite, PostgreSQL), anvil and our dispatcher in process, one run.

One keep-alive ``http.client`` connection per node; every request body is built before the clock starts and
sent ``--n`` times (after ``--warmup`` untimed ones); p50 and p99 per method. The nodes:

  inproc-<db>  our JSON-RPC dispatcher in this process, no HTTP (``app.api.rpc.answer``: orjson decode,
               ``Rpc.handle``, orjson encode): "the limit", the same requests without the HTTP layer
  ours-<db>    ``aurigraph serve`` (uvicorn) on SQLite (synchronous=FULL) or PostgreSQL
  anvil        anvil 1.7.1, in memory
  ganache      Ganache 7.9.2 with --database.dbPath (not by default: ``--only ...,ganache``)

Set-up (untimed, the same pre-signed bytes on every node, as bench/rpc_load.py): deploy the ERC-20 of
contracts/build/AuriToken.json (recompiled for shanghai so that every node runs the same code), fund the
senders, then ``--blocks`` transfers to fresh recipients, one block each (automine): the history that
eth_getLogs, eth_getTransactionReceipt and eth_getBlockByNumber read. Then the methods, in this order:

  eth_chainId, eth_blockNumber, eth_getBalance, eth_getTransactionCount, eth_getCode, eth_getStorageAt,
  eth_getBlockByNumber latest (hashes, full transactions), eth_getTransactionReceipt (mined earlier),
  eth_getLogs (the newest block; the whole history, 1,000 blocks by default), eth_call (identity
  precompile; ERC-20 balanceOf, every answer checked), eth_estimateGas (a transfer),
  eth_sendRawTransaction + eth_getTransactionReceipt until mined (a transfer to a fresh recipient)

Reads rotate over addresses, slots and transaction hashes of the history. The goals of issue 15, printed
met / NOT MET for every database: every method that runs no EVM code >= 0.8x anvil (p50, anvil's over
ours: above 1 is faster than anvil); eth_call, eth_estimateGas and the send over HTTP >= 0.8x our
dispatcher in process on the same database (p50 in process over p50 over HTTP). The Ganache goals
(throughput) are bench/rpc_load.py's. Run from the repo root:

    .venv/bin/python bench/rpc_latency.py                  # 1,000 requests a method, 1,000-block history
    .venv/bin/python bench/rpc_latency.py --quick          # 200 requests, 100 blocks: about a minute
    .venv/bin/python bench/rpc_latency.py --db sqlite --only ours,inproc,anvil --json out.json
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from eth_abi import encode as abi_encode
from eth_utils import to_checksum_address

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rpc_load as rl  # the nodes, the client and the signed workload are rpc_load's

NODES = ("inproc", "ours", "anvil", "ganache")
IDENTITY = "0x0000000000000000000000000000000000000004"
NO_EVM_GOAL = 0.8  # p50 of anvil / p50 of ours, every method that runs no EVM code
HTTP_GOAL = 0.8  # p50 in process / p50 over HTTP, eth_call, eth_estimateGas and the send


@dataclass(frozen=True)
class Case:
    name: str
    evm: bool  # runs EVM code (its goal is against our dispatcher in process, not against anvil)
    bodies: list[bytes]  # sent round-robin
    share: float = 1.0  # of --n: the slow ones (1,000-block logs, sends) are sampled less
    check: Callable[[Any, int], None] | None = None  # (result, index of the body) -> raises when wrong


@dataclass
class History:
    """What the set-up wrote, the same on every node (addresses are derived from the signed bytes)."""

    token: str
    senders: list[str]
    recipients: list[str]  # one per history transfer, in order
    amounts: list[int]
    tx_hashes: list[str]  # of the history transfers, as every node must answer them
    sends: list[bytes]  # signed, for the timed send + receipt


def _req(method: str, *params: Any) -> bytes:
    return orjson.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})


def build_history(
    abi: list[dict[str, Any]], code: bytes, blocks: int, sends: int
) -> tuple[rl.Workload, History]:
    w = rl.build_workload(abi, code, blocks + sends, 0, 0, 4)
    history = w.serial[:blocks]
    recipients = [to_checksum_address(rl._recipient(i)) for i in range(blocks)]
    from eth_utils import keccak

    return w, History(
        token=w.token,
        senders=w.senders,
        recipients=recipients,
        amounts=[1 + i % 97 for i in range(blocks)],
        tx_hashes=["0x" + keccak(raw).hex() for raw in history],
        sends=w.serial[blocks:],
    )


def cases(h: History, head: int, blocks: int) -> list[Case]:
    """The requests per method; ``head`` is the block of the last history transfer."""
    addrs = h.senders + h.recipients[:96]
    n_log = min(blocks, 1000)

    def balance_ok(result: Any, i: int) -> None:
        j = i % len(h.recipients)
        if int(result, 16) != h.amounts[j]:
            raise rl.BenchError(f"balanceOf({h.recipients[j]}) = {result}, expected {h.amounts[j]}")

    def logs_ok(expected: int) -> Callable[[Any, int], None]:
        def check(result: Any, _i: int) -> None:
            if len(result) != expected:
                raise rl.BenchError(f"eth_getLogs: {len(result)} logs, expected {expected}")

        return check

    def receipt_ok(result: Any, _i: int) -> None:
        if not result or result.get("status") not in ("0x1", 1):
            raise rl.BenchError(f"receipt: {str(result)[:200]}")

    def call_data(i: int) -> str:
        return "0x" + (rl.BALANCE_OF_SEL + abi_encode(["address"], [h.recipients[i]])).hex()

    transfer = rl.TRANSFER_SEL + abi_encode(["address", "uint256"], [h.recipients[0], 1])
    return [
        Case("eth_chainId", False, [_req("eth_chainId")]),
        Case("eth_blockNumber", False, [_req("eth_blockNumber")]),
        Case("eth_getBalance", False, [_req("eth_getBalance", a, "latest") for a in addrs]),
        Case("eth_getTransactionCount", False, [_req("eth_getTransactionCount", a, "latest") for a in addrs]),
        Case("eth_getCode", False, [_req("eth_getCode", h.token, "latest")]),
        Case(
            "eth_getStorageAt",
            False,
            [_req("eth_getStorageAt", h.token, hex(s), "latest") for s in range(8)],
        ),
        Case("eth_getBlockByNumber latest", False, [_req("eth_getBlockByNumber", "latest", False)]),
        Case("eth_getBlockByNumber latest full", False, [_req("eth_getBlockByNumber", "latest", True)]),
        Case(
            "eth_getTransactionReceipt",
            False,
            [_req("eth_getTransactionReceipt", t) for t in h.tx_hashes[::-1]],
            check=receipt_ok,
        ),
        Case(
            "eth_getLogs 1 block",
            False,
            [_req("eth_getLogs", {"address": h.token, "fromBlock": hex(head), "toBlock": hex(head)})],
            check=logs_ok(1),
        ),
        Case(
            f"eth_getLogs {n_log:,} blocks",
            False,
            [
                _req(
                    "eth_getLogs",
                    {"address": h.token, "fromBlock": hex(head - n_log + 1), "toBlock": hex(head)},
                )
            ],
            share=0.2,
            check=logs_ok(n_log),
        ),
        Case(
            "eth_call identity precompile",
            True,
            [_req("eth_call", {"to": IDENTITY, "data": "0x" + "ab" * 32}, "latest")],
        ),
        Case(
            "eth_call balanceOf",
            True,
            [
                _req("eth_call", {"to": h.token, "data": call_data(i)}, "latest")
                for i in range(len(h.recipients))
            ],
            check=balance_ok,
        ),
        Case(
            "eth_estimateGas transfer",
            True,
            [_req("eth_estimateGas", {"from": h.senders[0], "to": h.token, "data": "0x" + transfer.hex()})],
        ),
    ]


def percentile(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))]


def time_case(c: Any, case: Case, n: int, warmup: int) -> dict[str, float]:
    post = c._post
    count = max(10, int(n * case.share))
    bodies = case.bodies
    for i in range(min(warmup, count)):
        out = post(bodies[i % len(bodies)])
        if "error" in out:
            raise rl.BenchError(f"{case.name}: {out['error']}")
        if case.check is not None:
            case.check(out["result"], i % len(bodies))
    took = []
    clock = time.perf_counter_ns
    for i in range(count):
        body = bodies[i % len(bodies)]
        t0 = clock()
        out = post(body)
        took.append(clock() - t0)
        if "error" in out:
            raise rl.BenchError(f"{case.name}: {out['error']}")
        if case.check is not None and i % 50 == 0:
            case.check(out["result"], i % len(bodies))
    took_ms = sorted(t / 1e6 for t in took)
    return {"n": count, "p50": percentile(took_ms, 0.5), "p99": percentile(took_ms, 0.99)}


def time_sends(c: Any, sends: list[bytes]) -> dict[str, float]:
    """eth_sendRawTransaction, then eth_getTransactionReceipt until mined (polled at once, no sleep)."""
    took = []
    clock = time.perf_counter_ns
    deadline = time.monotonic() + 600
    for raw in sends:
        body = _req("eth_sendRawTransaction", "0x" + raw.hex())
        t0 = clock()
        out = c._post(body)
        if "error" in out:
            raise rl.BenchError(f"send: {out['error']}")
        poll = _req("eth_getTransactionReceipt", out["result"])
        while True:
            r = c._post(poll)
            if r.get("result") is not None:
                break
            if time.monotonic() > deadline:
                raise rl.BenchError("send: no receipt in time")
        took.append(clock() - t0)
        if r["result"].get("status") not in ("0x1", 1):
            raise rl.BenchError(f"send: transfer failed: {str(r)[:200]}")
    took_ms = sorted(t / 1e6 for t in took)
    return {"n": len(took), "p50": percentile(took_ms, 0.5), "p99": percentile(took_ms, 0.99)}


def bench_node(node: rl.Node, w: rl.Workload, h: History, args: argparse.Namespace) -> dict[str, Any]:
    t_start = time.perf_counter()
    c = node.start(args.start_timeout)
    try:
        version = c.call("web3_clientVersion")
        rl.run_setup(c, w, 600)
        deadline = time.monotonic() + 900
        for raw in w.serial[: args.blocks]:  # the history: one transfer a block
            rcpt, _ = rl.wait_receipt(c, c.call("eth_sendRawTransaction", "0x" + raw.hex()), deadline)
            rl._check_receipt(rcpt, "history")
        head = int(c.call("eth_blockNumber"), 16)
        out: dict[str, Any] = {"label": node.label, "client_version": version, "methods": {}}
        for case in cases(h, head, args.blocks):
            if _chosen(case.name, args.methods):
                out["methods"][case.name] = time_case(c, case, args.n, args.warmup)
        if _chosen("eth_sendRawTransaction + receipt", args.methods):
            out["methods"]["eth_sendRawTransaction + receipt"] = time_sends(c, h.sends)
        return out
    finally:
        c.close()
        node.stop()
        print(f"  {node.name}: done in {time.perf_counter() - t_start:.1f}s (start to stop)", flush=True)


# leaves of a thread that waits for work (the event loop in select, idle pool threads, the workers' queues)
_IDLE = (
    "select",
    "poll",
    "Runner.run",
    "run_forever",
    "Condition.wait",
    "_worker",
    "Queue.get",
    "Event.wait",
    "TransferCommitter._run",
    "ValuationEngine._run",
    "WebhookWorker._run",
)


def summarize(path: Path, top: int = 25) -> str:
    """Shares of the busy samples of every thread of the server (py-spy raw: "frame;frame;... count"),
    start-up (the lifespan, imports) and idle waits left out; I/O such as fsync counts (--idle)."""
    inclusive: Counter[str] = Counter()
    self_fn: Counter[str] = Counter()
    self_pkg: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or not n.isdigit():
            continue
        raw = stack.split(";")
        frames = [rl._short(f) for f in raw]
        names = [f.split(" (", 1)[0] for f in frames]
        if names[-1].endswith(_IDLE) or any("lifespan" in f or "_find_and_load" in f for f in names):
            continue
        if names[0] == "_run_module_as_main" and "Server.run" not in names:
            continue  # the main thread before it serves: migrations, create_app
        count = int(n)
        total += count
        self_fn[frames[-1]] += count
        self_pkg[rl._package(raw[-1])] += count
        for f in set(frames):
            inclusive[f] += count
    if not total:
        return "profile: no busy samples"

    def pct(v: int) -> str:
        return f"{100 * v / total:5.1f}%"

    skip = (  # the frames every request sits under: the process, typer, asyncio, uvicorn's protocol
        "Thread.",
        "_bootstrap",
        "_run_module",
        "_run_code",
        "<module>",
        "main (",
        "serve (",
        "run (",
        "Command.",
        "Typer",
        "Context.invoke",
        "get_callback",
        "_main (",
        "asyncio_run",
        "Runner.run",
        "Server.run",
        "RequestResponseCycle.run_asgi",
        "ProxyHeadersMiddleware",
    )
    lines = [f"profile: {total} busy samples (= 100%)", "  inclusive:"]
    lines += [f"    {pct(v)}  {k}" for k, v in inclusive.most_common(top * 3) if not k.startswith(skip)][:top]
    lines += ["  self, by function:"] + [f"    {pct(v)}  {k}" for k, v in self_fn.most_common(top)]
    lines += ["  self, by package:"] + [f"    {pct(v)}  {k}" for k, v in self_pkg.most_common(12)]
    return "\n".join(lines)


def _chosen(name: str, methods: list[str] | None) -> bool:
    return methods is None or any(name.startswith(m) for m in methods)


# -- report -----------------------------------------------------------------------------------------------
def report(results: dict[str, dict[str, Any]], dbs: list[str]) -> tuple[str, list[dict[str, Any]]]:
    names = list(results)
    methods = list(next(iter(results.values()))["methods"]) if results else []
    evm = {"eth_call identity precompile", "eth_call balanceOf", "eth_estimateGas transfer"}
    evm.add("eth_sendRawTransaction + receipt")
    width = 36
    lines = ["", "p50 / p99 in ms"]
    lines.append(f"{'method':<{width}}" + "".join(f"{n:>20}" for n in names))
    for m in methods:
        cells = []
        for n in names:
            r = results[n]["methods"].get(m)
            cells.append(f"{r['p50']:.3f} / {r['p99']:.2f}" if r else "-")
        lines.append(f"{m:<{width}}" + "".join(f"{c:>20}" for c in cells))
    goals: list[dict[str, Any]] = []
    ratio_cols = []
    for db in dbs:
        ours = f"ours-{db}"
        if ours not in results:
            continue
        if "anvil" in results:
            ratio_cols.append((f"anvil/{ours}", "anvil", ours))
        if f"inproc-{db}" in results:
            ratio_cols.append((f"inproc-{db}/{ours}", f"inproc-{db}", ours))
        if "ganache" in results:
            ratio_cols.append((f"ganache/{ours}", "ganache", ours))
    if ratio_cols:
        lines += ["", "p50 ratios (theirs over ours: above 1.00x ours is faster)"]
        lines.append(f"{'method':<{width}}" + "".join(f"{k:>26}" for k, _, _ in ratio_cols))
        for m in methods:
            cells = []
            for _, a, b in ratio_cols:
                ra, rb = results[a]["methods"].get(m), results[b]["methods"].get(m)
                cells.append(f"{ra['p50'] / rb['p50']:.2f}x" if ra and rb else "-")
            lines.append(f"{m:<{width}}" + "".join(f"{c:>26}" for c in cells))
    for db in dbs:
        ours = f"ours-{db}"
        if ours not in results:
            continue
        for m in methods:
            versus = f"inproc-{db}" if m in evm else "anvil"
            need = HTTP_GOAL if m in evm else NO_EVM_GOAL
            mine, theirs = results[ours]["methods"].get(m), results.get(versus, {}).get("methods", {}).get(m)
            ratio = theirs["p50"] / mine["p50"] if mine and theirs else None
            goals.append(
                {
                    "node": ours,
                    "method": m,
                    "versus": versus,
                    "need": need,
                    "ratio": None if ratio is None else round(ratio, 3),
                    "met": None if ratio is None else ratio >= need,
                }
            )
    if goals:
        lines += ["", "goals (issue 15): no EVM code >= 0.8x anvil p50; EVM over HTTP >= 0.8x in process p50"]
        for g in goals:
            state = "not measured" if g["met"] is None else "MET" if g["met"] else "NOT MET"
            shown = "" if g["ratio"] is None else f" ({g['ratio']:.2f}x)"
            lines.append(
                f"  {g['node']:<18}{g['method']:<{width}}>= {g['need']}x {g['versus']:<16}{state}{shown}"
            )
        for db in dbs:
            checked = [g for g in goals if g["node"] == f"ours-{db}" and g["met"] is not None]
            if checked:
                missing = len(methods) - len(checked)
                lines.append(
                    f"goal check (ours-{db}): {sum(g['met'] for g in checked)}/{len(checked)} met"
                    + (f" ({missing} not measured)" if missing else "")
                )
    return "\n".join(lines), goals


def _stop_all(*_: Any) -> None:
    for node in list(rl._LIVE):
        node.stop(grace=5)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--n", type=int, default=1000, help="timed requests a method (default 1000)")
    p.add_argument("--warmup", type=int, default=50, help="untimed requests a method first (default 50)")
    p.add_argument("--blocks", type=int, default=1000, help="history: one transfer a block (default 1000)")
    p.add_argument("--sends", type=int, default=200, help="timed send + receipt (default 200)")
    p.add_argument("--quick", action="store_true", help="--n 200 --blocks 100 --sends 40 --warmup 20")
    p.add_argument(
        "--only",
        type=rl._csv(NODES),
        default=["inproc", "ours", "anvil"],
        help="nodes: inproc,ours,anvil,ganache (default inproc,ours,anvil)",
    )
    p.add_argument(
        "--db",
        type=rl._csv(("sqlite", "postgresql", "sqlite-normal")),
        default=["sqlite", "postgresql"],
        help="databases of ours and inproc (default sqlite,postgresql; PostgreSQL at 127.0.0.1:5432)",
    )
    p.add_argument("--artifact", type=Path, default=rl.ROOT / "contracts" / "build" / "AuriToken.json")
    p.add_argument(
        "--methods",
        type=lambda v: [m.strip() for m in v.split(",") if m.strip()],
        default=None,
        help="only the methods whose name starts with one of these (comma-separated), e.g. eth_getBalance",
    )
    p.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="run ours (first --db) under `py-spy record --format raw` (a dev dependency); collapsed stacks"
        " go to this file and a summary is printed (set-up included: profile with a short --blocks)",
    )
    p.add_argument("--json", type=Path, default=None, help="write the results as JSON to this file")
    p.add_argument("--start-timeout", type=float, default=120.0)
    args = p.parse_args(argv)
    if args.profile is not None:
        args.profile = args.profile.resolve()
    if args.quick:
        args.n, args.blocks, args.sends, args.warmup = 200, 100, 40, 20
    if args.blocks < 1 or args.n < 10 or args.sends < 1:
        p.error("--blocks and --sends must be >= 1, --n >= 10")

    signal.signal(signal.SIGTERM, rl._on_signal)
    atexit.register(_stop_all)
    abi, code, art = rl._artifact(args.artifact)
    source = rl._find_source(args.artifact, art)
    if rl.post_shanghai_opcodes(code) and source.exists():  # the same bytecode as Ganache can run
        abi, code = rl.compile_shanghai(
            source, art.get("contractName") or args.artifact.stem, art.get("settings", {})
        )
    w, h = build_history(abi, code, args.blocks, args.sends)
    print(
        f"signed: {args.blocks} history transfers, {args.sends} timed sends; {args.n} requests a method",
        flush=True,
    )
    results: dict[str, dict[str, Any]] = {}
    failures: dict[str, str] = {}
    workroot = Path(tempfile.mkdtemp(prefix="aurigraph-latency-"))
    try:
        runs = [
            (f"{kind}-{db}", kind, db) for db in args.db for kind in ("inproc", "ours") if kind in args.only
        ]
        runs += [(n, n, "") for n in args.only if n in ("anvil", "ganache")]
        for name, kind, db in runs:
            workdir = workroot / name
            workdir.mkdir()
            node: rl.Node = (
                rl.InProcess(workdir, db)
                if kind == "inproc"
                else rl.Ours(workdir, db, args.profile if db == args.db[0] else None, 250)
                if kind == "ours"
                else rl.Anvil(workdir)
                if kind == "anvil"
                else rl.Ganache(workdir, "shanghai")
            )
            print(
                f"{node.label}: set-up and {len(cases(h, args.blocks, args.blocks)) + 1} methods", flush=True
            )
            try:
                results[name] = bench_node(node, w, h, args)
            except rl.BenchError as exc:
                failures[name] = str(exc)
                print(f"  {name} FAILED: {exc}\n{node.log_tail(1500)}", file=sys.stderr, flush=True)
            finally:
                node.stop()
    except KeyboardInterrupt:
        print("interrupted: stopping nodes", file=sys.stderr)
        return 130
    finally:
        _stop_all()
        shutil.rmtree(workroot, ignore_errors=True)
    text, goals = report(results, args.db)
    print(text)
    if args.profile is not None and args.profile.exists():
        print(summarize(args.profile))
    if args.json is not None:
        data = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
            "args": {k: (rl._rel(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "nodes": results,
            "goals": goals,
            "failures": failures,
        }
        args.json.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
        print(f"wrote {args.json}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
