#!/usr/bin/env python3
"""8 concurrent clients (issue 15, item 5): do reads collapse behind a running transaction or a long eth_call?

One node at a time (ours on SQLite / PostgreSQL, anvil for reference), each client its own keep-alive
``http.client`` connection on a thread of this process. Set-up (untimed, as bench/rpc_load.py): deploy the
ERC-20 of contracts/build/AuriToken.json and fund the senders. Then three scenarios of ``--seconds`` each:

  reads      8 readers alone, round-robin over eth_getBalance, eth_getTransactionCount, eth_blockNumber and
             eth_call balanceOf
  +writer    the same 8 readers while a 9th client sends transfers one after the other
             (eth_sendRawTransaction, then eth_getTransactionReceipt until mined: a block is always being
             built and committed)
  +long call the same 8 readers while a 9th client runs a long eth_call over and over (a creation call
             that counts down from --loop, no contract needed: about half a second of py-evm alone here;
             eth_call's limit is 5 s)

Printed per scenario: reads/s, read p50 and p99, and the 9th client's rate or call time. The check, met /
NOT MET: beside a writer or a long call, the readers keep at least half of their throughput alone and their
p99 stays below a quarter of the long call's own time (no read waits for the call to finish). Run from the
repo root:

    .venv/bin/python bench/concurrency.py                           # ours on SQLite and PostgreSQL, anvil
    .venv/bin/python bench/concurrency.py --quick                   # 4 s a scenario, SQLite and anvil
"""

from __future__ import annotations

import argparse
import atexit
import datetime as dt
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import orjson
from eth_abi import encode as abi_encode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rpc_load as rl  # the nodes, the client and the signed workload are rpc_load's

READERS = 8
KEEP_THROUGHPUT = 0.5  # of the readers' throughput alone
P99_OF_LONG_CALL = 0.25  # read p99 below this share of the long call's own time


def long_call_code(n: int) -> str:
    """Init code that counts down from ``n`` and stops: PUSH3 n; JUMPDEST; PUSH1 1; SWAP1; SUB; DUP1;
    PUSH1 4; JUMPI; STOP (about 26 gas a round)."""
    return "0x62" + n.to_bytes(3, "big").hex() + "5b600190038060045700"


def _req(method: str, *params: Any) -> bytes:
    return orjson.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)})


class Loop(threading.Thread):
    """A client that sends its bodies round-robin until stopped, timing each (ms)."""

    def __init__(self, port: int, bodies: list[bytes], stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.port, self.bodies, self.stop = port, bodies, stop
        self.took: list[float] = []
        self.error: str | None = None

    def one(self, c: rl.Client, body: bytes) -> None:
        out = c._post(body)
        if "error" in out:
            raise rl.BenchError(str(out["error"])[:300])

    def run(self) -> None:
        c = rl.Client(self.port, timeout=120)
        try:
            i = 0
            while not self.stop.is_set():
                t0 = time.perf_counter_ns()
                self.one(c, self.bodies[i % len(self.bodies)])
                self.took.append((time.perf_counter_ns() - t0) / 1e6)
                i += 1
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            c.close()


class LongCall(Loop):
    """The long eth_call, over and over; one that runs past eth_call's time limit is counted, not fatal."""

    timeouts = 0

    def one(self, c: rl.Client, body: bytes) -> None:
        out = c._post(body)
        if "error" in out:
            if "timed out" not in str(out["error"].get("message")):
                raise rl.BenchError(str(out["error"])[:300])
            self.timeouts += 1


class Writer(Loop):
    def one(self, c: rl.Client, body: bytes) -> None:
        out = c._post(body)
        if "error" in out:
            raise rl.BenchError(str(out["error"])[:300])
        rcpt, _ = rl.wait_receipt(c, out["result"], time.monotonic() + 60)
        rl._check_receipt(rcpt, "writer")

    def run(self) -> None:
        super().run()
        if self.error is None and len(self.took) >= len(self.bodies):
            self.error = "ran out of signed transfers: raise --transfers"


def _stats(ms: list[float], seconds: float) -> dict[str, float]:
    s = sorted(ms)
    if not s:
        return {"n": 0, "per_s": 0.0, "p50": 0.0, "p99": 0.0}
    return {
        "n": len(s),
        "per_s": len(s) / seconds,
        "p50": s[len(s) // 2],
        "p99": s[min(len(s) - 1, int(0.99 * len(s)))],
    }


def scenario(port: int, reads: list[bytes], extra: Loop | None, seconds: float) -> dict[str, Any]:
    stop = threading.Event()
    readers = [Loop(port, reads[k::READERS] or reads, stop) for k in range(READERS)]
    if extra is not None:
        extra.stop = stop
        extra.start()
        time.sleep(0.3)  # the writer or the long call is under way before the readers start
    t0 = time.perf_counter()
    for r in readers:
        r.start()
    time.sleep(seconds)
    stop.set()
    for r in readers:
        r.join(180)
    elapsed = time.perf_counter() - t0
    if extra is not None:
        extra.join(300)
    errors = [t.error for t in [*readers, *([extra] if extra else [])] if t.error]
    if errors:
        raise rl.BenchError(f"a client failed: {errors[0]}")
    out = {"reads": _stats([x for r in readers for x in r.took], elapsed)}
    if extra is not None:
        out["extra"] = _stats(extra.took, elapsed)
    return out


def bench_node(node: rl.Node, w: rl.Workload, args: argparse.Namespace) -> dict[str, Any]:
    c = node.start(args.start_timeout)
    try:
        rl.run_setup(c, w, 600)
        reads = []
        for a in w.senders:
            data = "0x" + (rl.BALANCE_OF_SEL + abi_encode(["address"], [a])).hex()
            reads += [
                _req("eth_getBalance", a, "latest"),
                _req("eth_getTransactionCount", a, "latest"),
                _req("eth_blockNumber"),
                _req("eth_call", {"to": w.token, "data": data}, "latest"),
            ]
        sends = [_req("eth_sendRawTransaction", "0x" + raw.hex()) for raw in w.serial]
        long_call = _req("eth_call", {"data": long_call_code(args.loop), "gas": hex(29_000_000)}, "latest")
        t0 = time.perf_counter()
        if "error" in (answer := c._post(long_call)):  # alone it must finish
            raise rl.BenchError(f"the long call alone: {answer['error']} (a smaller --loop)")
        one_long_call = time.perf_counter() - t0
        out: dict[str, Any] = {"label": node.label, "long_call_ms": one_long_call * 1e3}
        out["reads"] = scenario(node.port, reads, None, args.seconds)
        out["+writer"] = scenario(node.port, reads, Writer(node.port, sends, threading.Event()), args.seconds)
        caller = LongCall(node.port, [long_call], threading.Event())
        out["+long call"] = scenario(node.port, reads, caller, args.seconds)
        out["+long call"]["timeouts"] = caller.timeouts
        return out
    finally:
        c.close()
        node.stop()


def report(results: dict[str, dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    lines = ["", f"{'node / scenario':<44}{'reads/s':>10}{'p50 ms':>10}{'p99 ms':>10}   9th client"]
    checks = []
    for name, r in results.items():
        for sc in ("reads", "+writer", "+long call"):
            rd = r[sc]["reads"]
            extra = r[sc].get("extra")
            shown = ""
            if sc == "+writer" and extra:
                shown = f"{extra['per_s']:.1f} tx/s, send+receipt p50 {extra['p50']:.1f} ms"
            elif extra:
                shown = (
                    f"{extra['n']} calls, p50 {extra['p50']:.0f} ms, {r[sc]['timeouts']} past the 5 s limit"
                )
            lines.append(
                f"{r['label'] + ' ' + sc:<44}{rd['per_s']:>10.0f}{rd['p50']:>10.2f}{rd['p99']:>10.1f}"
                f"   {shown}"
            )
        base = r["reads"]["reads"]
        long_ms = r["+long call"].get("extra", {}).get("p50") or r["long_call_ms"]
        for sc in ("+writer", "+long call"):
            rd = r[sc]["reads"]
            kept = rd["per_s"] / base["per_s"] if base["per_s"] else 0.0
            checks.append(
                {
                    "node": name,
                    "scenario": sc,
                    "kept": round(kept, 3),
                    "met": kept >= KEEP_THROUGHPUT,
                    "what": "throughput",
                }
            )
            if sc == "+long call":
                checks.append(
                    {
                        "node": name,
                        "scenario": sc,
                        "p99_ms": round(rd["p99"], 2),
                        "long_call_ms": round(long_ms, 1),
                        "met": rd["p99"] < P99_OF_LONG_CALL * long_ms,
                        "what": "p99",
                    }
                )
    lines.append("")
    for ch in checks:
        state = "MET" if ch["met"] else "NOT MET"
        if ch["what"] == "throughput":
            lines.append(
                f"  {ch['node']:<14}{ch['scenario']:<12} reads keep >= {KEEP_THROUGHPUT}x of alone: "
                f"{state} ({ch['kept']:.2f}x)"
            )
        else:
            lines.append(
                f"  {ch['node']:<14}{ch['scenario']:<12} read p99 < {P99_OF_LONG_CALL} x long call: {state} "
                f"({ch['p99_ms']:.1f} ms vs call {ch['long_call_ms']:.0f} ms)"
            )
    return "\n".join(lines), checks


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--seconds", type=float, default=15.0, help="seconds a scenario (default 15)")
    p.add_argument(
        "--loop",
        type=int,
        default=40_000,
        help="rounds of the long call's countdown (default 40,000; < 2**24)",
    )
    p.add_argument("--transfers", type=int, default=3000, help="signed transfers for the writer")
    p.add_argument("--db", type=rl._csv(("sqlite", "postgresql")), default=["sqlite", "postgresql"])
    p.add_argument("--only", type=rl._csv(("ours", "anvil")), default=["ours", "anvil"])
    p.add_argument("--quick", action="store_true", help="--seconds 4 --db sqlite --transfers 600")
    p.add_argument("--artifact", type=Path, default=rl.ROOT / "contracts" / "build" / "AuriToken.json")
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("--start-timeout", type=float, default=120.0)
    args = p.parse_args(argv)
    if args.quick:
        args.seconds, args.db, args.transfers = 4.0, ["sqlite"], 600
    if not 1 <= args.loop < 2**24:
        p.error("--loop must be 1 .. 2**24 - 1")
    signal.signal(signal.SIGTERM, rl._on_signal)
    atexit.register(lambda: [n.stop(grace=5) for n in list(rl._LIVE)])
    abi, code, _ = rl._artifact(args.artifact)
    w = rl.build_workload(abi, code, args.transfers, 0, 0, 2)
    results: dict[str, dict[str, Any]] = {}
    failures: dict[str, str] = {}
    workroot = Path(tempfile.mkdtemp(prefix="aurigraph-concurrency-"))
    try:
        runs = [(f"ours-{db}", db) for db in args.db] if "ours" in args.only else []
        runs += [("anvil", "")] if "anvil" in args.only else []
        for name, db in runs:
            workdir = workroot / name
            workdir.mkdir()
            node: rl.Node = rl.Ours(workdir, db, None, 0) if db else rl.Anvil(workdir)
            print(f"{node.label}: 3 scenarios of {args.seconds:g} s", flush=True)
            try:
                results[name] = bench_node(node, w, args)
            except rl.BenchError as exc:
                failures[name] = str(exc)
                print(f"  {name} FAILED: {exc}\n{node.log_tail(1500)}", file=sys.stderr, flush=True)
            finally:
                node.stop()
    except KeyboardInterrupt:
        return 130
    finally:
        for n in list(rl._LIVE):
            n.stop(grace=5)
        shutil.rmtree(workroot, ignore_errors=True)
    text, checks = report(results)
    print(text)
    if args.json is not None:
        data = {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "args": {k: (rl._rel(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "results": results,
            "checks": checks,
            "failures": failures,
        }
        args.json.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
