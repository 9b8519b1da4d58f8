"""``aurigraph conformance DIRECTORY``: run filled GeneralStateTests and print a table per category, the
failures, and a closing ``N passed, M failed`` line. ``aurigraph fuzz --against URL``: differential fuzzing
of our chain (in process, on a scratch SQLite database) against a reference node such as anvil.

Both show progress on stderr: rich's bar on a terminal, a plain line every few seconds otherwise, nothing
with ``--quiet``; ``--json -`` prints the JSON result alone on stdout. The typer commands are thin wrappers
over ``run_conformance`` and ``run_fuzz``; py-evm is loaded only when they run."""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import typer

if TYPE_CHECKING:
    from app.evm.conformance.difffuzz.fuzz import Report
    from app.evm.conformance.difffuzz.observe import Node
    from app.evm.conformance.runner import CaseResult


class Progress:
    """Progress on stderr: rich's bar on a terminal, a plain line at most every ``every`` seconds when
    stderr is not a terminal, nothing when quiet. ``note`` lines (a divergence, a failure) always show,
    unless quiet."""

    def __init__(self, label: str, total: float, *, quiet: bool, stream: TextIO | None = None) -> None:
        self.label, self.total, self.quiet = label, total, quiet
        self.stream = stream or sys.stderr
        self.every, self._last = 5.0, 0.0
        self._bar: Any = None
        if not quiet and self.stream.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            )
            self._bar = RichProgress(*columns, console=Console(file=self.stream), transient=True)
            self._bar.start()
            self._task = self._bar.add_task(label, total=total)

    def update(self, done: float, status: str = "") -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done, description=f"{self.label} {status}".strip())
        elif not self.quiet and time.monotonic() - self._last >= self.every:
            self._last = time.monotonic()
            print(
                f"{self.label}: {done:.0f}/{self.total:.0f} {status}".rstrip(), file=self.stream, flush=True
            )

    def note(self, text: str) -> None:
        if self._bar is not None:
            self._bar.console.print(text, markup=False, highlight=False)
        elif not self.quiet:
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def run_conformance(
    directory: str,
    fork: str,
    json_out: str | None,
    *,
    database_url: str | None = None,
    baseline_memorydb: bool = False,
    quiet: bool = False,
) -> int:
    """Exit code: 0 when every case passed, 1 when some failed, 2 when nothing could be run.

    By default each case's state goes through our SqlStateStore on a temporary SQLite file (or the empty
    ``evm_kv`` table of ``database_url``) and our transaction validation. ``baseline_memorydb`` runs
    py-evm alone on its in-memory AtomicDB, for comparison."""
    from app.evm.conformance.runner import FORKS, memory_backend, sql_backend

    root = Path(directory)
    if fork not in FORKS:
        print(f"unknown fork {fork!r}; known: {', '.join(FORKS)}")
        return 2
    if not root.is_dir():
        print(f"not a directory: {directory}")
        return 2
    started = time.monotonic()
    if baseline_memorydb:
        store = "py-evm MemoryDB, py-evm validation only"
        results = _run_cases(root, fork, memory_backend(), False, quiet)
    else:
        try:
            with sql_backend(database_url) as backend:
                store = f"SqlStateStore on {backend.name}, our validation"
                results = _run_cases(root, fork, backend, True, quiet)
        except ValueError as exc:
            print(exc)
            return 2
    if not results:
        print(f"no {fork} cases under {directory}")
        return 2
    summary = f"{len(results)} {fork} cases, {store}, {time.monotonic() - started:.0f} s"
    if json_out == "-":
        print(json.dumps(to_json(results, fork, store), indent=1))
    elif quiet:
        print(format_report(results).splitlines()[-1])
    else:
        print(summary)
        print(format_report(results))
    if json_out and json_out != "-":
        _write_atomic(Path(json_out), json.dumps(to_json(results, fork, store), indent=1) + "\n")
    return 0 if all(r.passed for r in results) else 1


def _run_cases(root: Path, fork: str, backend: Any, validate: bool, quiet: bool) -> list[CaseResult]:
    """Every case of ``root``, with progress; a case the runner cannot run is a failure, and the run goes on
    (as ``run_directory``)."""
    from app.evm.conformance.runner import CaseResult, iter_cases, run_case

    cases = list(iter_cases(root, fork))
    progress = Progress(f"{fork} cases", len(cases), quiet=quiet)
    results: list[CaseResult] = []
    failed = 0
    try:
        for case in cases:
            try:
                result = run_case(case, backend, validate=validate)
            except Exception as exc:
                reason = f"runner error: {type(exc).__name__}: {exc}"
                result = CaseResult(
                    case.category, case.file, case.test, case.fork, case.index, case.label, reason, None
                )
            results.append(result)
            if not result.passed:
                failed += 1
                progress.note(f"failed: {result.file} {result.test} #{result.index}: {result.reason}")
            progress.update(len(results), f"{failed} failed")
    finally:
        progress.close()
    return results


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def format_report(results: list[CaseResult]) -> str:
    table: dict[tuple[str, str], list[int]] = {}  # (category, fork) -> [passed, failed]
    for r in results:
        table.setdefault((r.category, r.fork), [0, 0])[0 if r.passed else 1] += 1
    width = max(len("category"), *(len(c) for c, _ in table))
    lines = [f"{'category':<{width}}  {'fork':<8} {'passed':>6} {'failed':>6}"]
    lines += [f"{c:<{width}}  {f:<8} {p:>6} {m:>6}" for (c, f), (p, m) in sorted(table.items())]
    failures = [r for r in results if not r.passed]
    if failures:
        lines += ["", "failures:"]
        lines += [f"  {r.file} {r.test} #{r.index} {r.label}: {r.reason}" for r in failures]
    lines.append(f"{len(results) - len(failures)} passed, {len(failures)} failed")
    return "\n".join(lines)


def to_json(results: list[CaseResult], fork: str, store: str) -> dict[str, object]:
    failed = sum(not r.passed for r in results)
    return {
        "fork": fork,
        "store": store,
        "passed": len(results) - failed,
        "failed": failed,
        "cases": [{**asdict(r), "passed": r.passed} for r in results],
    }


def conformance(
    directory: Path = typer.Argument(..., help="Directory of filled GeneralStateTests JSON (recursive)."),
    fork: str = typer.Option("Cancun", help="Which fork's expectations to run."),
    json_out: str = typer.Option(
        None, "--json", help="Write every case's result as JSON to this file; '-': stdout."
    ),
    database_url: str = typer.Option(None, help="Run through this database (default: scratch SQLite)."),
    baseline_memorydb: bool = typer.Option(False, help="Run on py-evm's MemoryDB instead, for comparison."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress; print only the closing line."),
) -> None:
    """Run the official Ethereum state tests through our SQL state store; print a table per category and
    'N passed, M failed', then each failure with its file, index and reason."""
    raise typer.Exit(
        run_conformance(
            str(directory),
            fork,
            json_out or None,
            database_url=database_url,
            baseline_memorydb=baseline_memorydb,
            quiet=quiet,
        )
    )


# -- aurigraph fuzz ----------------------------------------------------------------------------------------
@contextmanager
def our_node() -> Iterator[Node]:
    """Our chain in process on a scratch SQLite database (migrated, dev genesis), as a JSON-RPC node."""
    from app.config import Settings
    from app.db import make_engine
    from app.evm.conformance.difffuzz.observe import Node
    from app.evm.node.chain import Chain
    from app.evm.rpc.dispatch import Rpc
    from app.migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="aurigraph-fuzz-") as tmp:
        url = f"sqlite:///{Path(tmp, 'chain.db').as_posix()}"
        upgrade(url)
        chain = Chain(make_engine(url), Settings(database_url=url))
        try:
            yield Node("ours", Rpc(chain).handle)
        finally:
            chain.close()
            chain.engine.dispose()


def run_fuzz(
    against: str,
    seconds: float,
    seed: int | None,
    out_dir: str | None,
    *,
    minimize_seconds: float = 60.0,
    quiet: bool = False,
    json_out: str | None = None,
) -> int:
    """Exit code 0: no divergence; 1: divergences (each kind minimized, written under ``out_dir``);
    2: the reference node cannot be used (unreachable, or not at genesis)."""
    from app.evm.conformance.difffuzz.fuzz import fuzz
    from app.evm.conformance.difffuzz.observe import Node, NodeUnavailable, RpcError

    seed = random.SystemRandom().getrandbits(32) if seed is None else seed
    ref = Node.http(against)
    try:
        height = int(ref("eth_blockNumber"), 16)
    except (NodeUnavailable, RpcError, ValueError) as exc:
        print(f"error: the reference node at {against} does not answer: {exc}", file=sys.stderr)
        return 2
    if height != 0:
        print(
            f"error: the reference node at {against} is at block {height}: start a fresh one", file=sys.stderr
        )
        return 2
    progress = Progress(f"fuzz seed {seed}", seconds, quiet=quiet)
    started = time.monotonic()

    def tick(report: Report, message: str) -> None:
        if message:
            progress.note(message)
        progress.update(
            min(seconds, time.monotonic() - started), f"{report.cases} cases, {len(report.found)} found"
        )

    if not quiet and json_out != "-":
        print(f"fuzzing against {against} for {seconds:.0f} s, seed {seed}", flush=True)
    with our_node() as ours:
        try:
            report = fuzz(
                ref, ours, seconds, seed, Path(out_dir) if out_dir else None, minimize_seconds, tick
            )
        finally:
            progress.close()
    body = fuzz_json(report)
    if json_out == "-":
        print(json.dumps(body, indent=1))
    else:
        print(report.summary())
        for found in report.found:
            print(f"  {found.field}: {found.differences[0] if found.differences else ''} -> {found.path}")
    if json_out and json_out != "-":
        _write_atomic(Path(json_out), json.dumps(body, indent=1) + "\n")
    return 1 if report.by_field else 0


def fuzz_json(report: Report) -> dict[str, Any]:
    return {
        "seed": report.seed,
        "seconds": round(report.seconds, 1),
        "cases": report.cases,
        "programs": report.contracts,
        "transactions": report.transactions,
        "errors": report.errors,
        "divergent_cases_by_kind": dict(report.by_field),
        "found": [
            {"kind": f.field, "case_seed": f.seed, "differences": [str(d) for d in f.differences],
             "path": str(f.path) if f.path else None}
            for f in report.found
        ],
    }  # fmt: skip


def fuzz_command(
    against: str = typer.Option(
        ..., help="JSON-RPC URL of a fresh reference node (anvil --hardfork prague)."
    ),
    seconds: float = typer.Option(60.0, help="How long to fuzz."),
    seed: int = typer.Option(None, help="Seed of the run (default: a random one, printed)."),
    out: Path = typer.Option(None, help="Write each minimized divergence here as a JSON case."),
    minimize_seconds: float = typer.Option(60.0, help="Time to minimize each divergence."),
    json_out: str = typer.Option(
        None, "--json", help="Write the run's figures as JSON to this file; '-': stdout."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress; print only the summary."),
) -> None:
    """Differential fuzzing: random EVM programs and transactions on the reference node and on our chain
    (in process), compared per transaction and on the touched accounts; every divergence minimized."""
    raise typer.Exit(
        run_fuzz(
            against, seconds, seed, str(out) if out else None,
            minimize_seconds=minimize_seconds, quiet=quiet, json_out=json_out,
        )
    )  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command()(conformance)
    app.command("fuzz")(fuzz_command)
