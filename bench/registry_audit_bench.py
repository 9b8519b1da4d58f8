#!/usr/bin/env python3
"""Audit log at scale: fill a fresh database with N entries (default 1,000,000), then time a full JSON
Lines export and its offline verification (goal: export + verify of 1 M entries in < 60 s), on SQLite and
PostgreSQL.

The fill is a bulk insert of a real hash chain computed in Python (canonical payloads, entry hashes, the same
functions `record` uses), not `record` itself: one `record` per transaction costs a lock, a tail read and an
insert, so its rate is measured separately on --record-n entries and reported as entries/s. Untimed set-up:
the fill. Each database is temporary (a file in a temp dir; a PostgreSQL schema dropped at the end).

Export and verify each run in a fresh interpreter (this script with --phase), so that their memory is
theirs alone: "base MB" is the process's resident memory after imports and connecting, "peak MB" its peak
resident memory during the phase (Linux VmHWM, reset when the phase starts). A peak that stays flat from
100,000 to 1,000,000 entries means memory is bounded. Exit status 1 if export + verify took >= 60 s.
This is the export+verify half of the registry benchmark; bench/registry_load.py is the throughput half.

    .venv/bin/python bench/registry_audit_bench.py                         # 1 M entries, both dialects
    .venv/bin/python bench/registry_audit_bench.py --n 100000 --db sqlite  # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, text
from sqlalchemy.orm import Session

from app.db import make_engine, make_sessionmaker
from app.migrate import upgrade
from app.rwa.audit import log as audit
from app.rwa.audit.canonical import ZERO_HASH, canonical_json, entry_hash, format_time
from app.rwa.audit.export import export_jsonl
from app.rwa.audit.models import AuditEntry
from app.rwa.audit.verify import verify_jsonl

PG_URL = os.environ.get("AURIGRAPH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ACTIONS = ("ledger.transfer", "ledger.issue", "identity.update", "asset.pause", "document.upload")


@contextmanager
def database(dialect: str, tmp: Path) -> Iterator[str]:
    if dialect == "sqlite":
        url = f"sqlite:///{tmp / 'bench.db'}"
        upgrade(url)
        yield url
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'create schema "{schema}"'))
    try:
        url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()


def rows(n: int) -> Iterator[dict[str, object]]:
    """A valid chain of n entries with registry-like payloads (transfers of 10^18-scale units, etc.)."""
    prev, t0 = ZERO_HASH, datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(n):
        seq, at = i + 1, t0 + timedelta(milliseconds=i)
        asset = f"ASSET{i % 10}"
        payload = canonical_json(
            {"from": f"0x{i:040x}", "to": f"0x{i + 1:040x}", "units": 10**18 + i, "asset": asset, "code": 0}
        )
        actor, action, subject = f"key:{i % 7}", ACTIONS[i % len(ACTIONS)], f"asset:{asset}"
        digest = entry_hash(seq, format_time(at), actor, action, subject, asset, payload, prev)
        yield {
            "seq": seq,
            "created_at": at,
            "actor": actor,
            "action": action,
            "subject": subject,
            "asset": asset,
            "payload": payload,
            "prev_hash": prev,
            "hash": digest,
        }
        prev = digest


def fill(url: str, n: int, batch: int = 20_000) -> float:
    engine = make_engine(url)
    start = time.perf_counter()
    with engine.begin() as conn:
        buf: list[dict[str, object]] = []
        for row in rows(n):
            buf.append(row)
            if len(buf) == batch:
                conn.execute(insert(AuditEntry), buf)
                buf.clear()
        if buf:
            conn.execute(insert(AuditEntry), buf)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("vacuum analyze audit_entry"))
    engine.dispose()
    return time.perf_counter() - start


def record_rate(n: int, tmp: Path, dialect: str) -> float:
    """`record` as services call it: one entry per committed transaction, on a fresh database."""
    with database(dialect, tmp / "rec") if dialect == "sqlite" else database(dialect, tmp) as url:
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        start = time.perf_counter()
        for i in range(n):
            with factory.begin() as s:
                audit.record(s, actor="key:1", action="ledger.transfer", subject="asset:X", payload={"i": i})
        rate = n / (time.perf_counter() - start)
        engine.dispose()
    return rate


def _peak_mb() -> float:
    """The peak resident memory of this process (VmHWM on Linux, else ru_maxrss), in MiB."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def _reset_peak() -> float:
    """Start a fresh peak (Linux >= 4.0: clear_refs 5 resets VmHWM to the resident memory now); return it.
    Elsewhere the peak stays that of the whole process, imports included."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return _peak_mb()


def phase(name: str, url: str, path: Path, pubkey: str) -> dict[str, object]:
    """One timed phase in this (fresh) process: its seconds, entries, base and peak resident memory."""
    if name == "export":
        key = audit.Signer.generate()
        engine = make_engine(url)
        with Session(engine) as s:
            s.connection()  # connected before the clock starts, as the verifier has its imports
            base, start = _reset_peak(), time.perf_counter()
            count = export_jsonl(s, path, key=key).count
        seconds = time.perf_counter() - start
        engine.dispose()
        pubkey = key.public_key.hex()
    else:
        base, start = _reset_peak(), time.perf_counter()
        result = verify_jsonl(path, bytes.fromhex(pubkey))
        seconds = time.perf_counter() - start
        if not result.ok:
            raise SystemExit(f"verify failed: {result.summary()}")
        count = result.entries
    return {"s": seconds, "count": count, "base_mb": base, "peak_mb": _peak_mb(), "pubkey": pubkey}


def run_phase(name: str, url: str, path: Path, pubkey: str = "") -> dict[str, Any]:
    argv = [sys.executable, __file__, "--phase", name, "--url", url, "--file", str(path), "--pubkey", pubkey]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{name} failed:\n{done.stdout}{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def run(dialect: str, n: int, record_n: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "rec").mkdir()
        out: dict[str, float] = {"record_per_s": record_rate(record_n, tmp, dialect)}
        with database(dialect, tmp) as url:
            out["fill_s"] = fill(url, n)
            path = tmp / "audit.jsonl"
            exp = run_phase("export", url, path)
            assert exp["count"] == n, exp
            out["file_mb"] = path.stat().st_size / 1e6
            ver = run_phase("verify", url, path, str(exp["pubkey"]))
            assert ver["count"] == n, ver
            for name, r in (("export", exp), ("verify", ver)):
                for k in ("s", "base_mb", "peak_mb"):
                    out[f"{name}_{k}"] = float(r[k])
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="entries to export and verify")
    ap.add_argument("--db", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    ap.add_argument("--record-n", type=int, default=2_000, help="entries appended with record() for its rate")
    for internal in ("--phase", "--url", "--file", "--pubkey"):  # one phase in a child process
        ap.add_argument(internal, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.url, Path(args.file), args.pubkey)))
        return 0
    print(
        f"# audit export + verify, {args.n:,} entries; {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} CPUs; memory: base/peak MB of each phase's process"
    )
    print(
        f"{'db':<11}{'record/s':>10}{'fill s':>9}{'export s':>10}{'verify s':>10}{'total s':>9}"
        f"{'file MB':>9}{'export MB':>12}{'verify MB':>12}  goal < 60 s"
    )
    missed = False
    for dialect in args.db.split(","):
        r = run(dialect, args.n, args.record_n)
        total = r["export_s"] + r["verify_s"]
        missed |= total >= 60
        mem = [f"{r[f'{p}_base_mb']:.0f}/{r[f'{p}_peak_mb']:.0f}" for p in ("export", "verify")]
        print(
            f"{dialect:<11}{r['record_per_s']:>10,.0f}{r['fill_s']:>9.1f}{r['export_s']:>10.1f}"
            f"{r['verify_s']:>10.1f}{total:>9.1f}{r['file_mb']:>9.0f}{mem[0]:>12}{mem[1]:>12}"
            f"  {'met' if total < 60 else 'MISSED'}",
            flush=True,
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
