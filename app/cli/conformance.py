"""``aurigraph conformance DIRECTORY``: run filled GeneralStateTests and print a table per category, the
failures, and a closing ``N passed, M failed`` line. The typer command is a thin wrapper over
``run_conformance``; py-evm is loaded only when it runs."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from app.evm.conformance.runner import CaseResult


def run_conformance(
    directory: str,
    fork: str,
    json_out: str | None,
    *,
    database_url: str | None = None,
    baseline_memorydb: bool = False,
) -> int:
    """Exit code: 0 when every case passed, 1 when some failed, 2 when nothing could be run.

    By default each case's state goes through our SqlStateStore on a temporary SQLite file (or the empty
    ``evm_kv`` table of ``database_url``) and our transaction validation. ``baseline_memorydb`` runs
    py-evm alone on its in-memory AtomicDB, for comparison."""
    from app.evm.conformance.runner import FORKS, memory_backend, run_directory, sql_backend

    root = Path(directory)
    if fork not in FORKS:
        print(f"unknown fork {fork!r}; known: {', '.join(FORKS)}")
        return 2
    if not root.is_dir():
        print(f"not a directory: {directory}")
        return 2
    started = time.monotonic()
    if baseline_memorydb:
        store, results = (
            "py-evm MemoryDB, py-evm validation only",
            run_directory(root, fork, memory_backend(), validate=False),
        )
    else:
        try:
            with sql_backend(database_url) as backend:
                store = f"SqlStateStore on {backend.name}, our validation"
                results = run_directory(root, fork, backend)
        except ValueError as exc:
            print(exc)
            return 2
    if not results:
        print(f"no {fork} cases under {directory}")
        return 2
    print(f"{len(results)} {fork} cases, {store}, {time.monotonic() - started:.0f} s")
    print(format_report(results))
    if json_out:
        Path(json_out).write_text(json.dumps(to_json(results, fork, store), indent=1) + "\n")
    return 0 if all(r.passed for r in results) else 1


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
    json_out: Path = typer.Option(None, "--json", help="Write every case's result as JSON."),
    database_url: str = typer.Option(None, help="Run through this database (default: scratch SQLite)."),
    baseline_memorydb: bool = typer.Option(False, help="Run on py-evm's MemoryDB instead, for comparison."),
) -> None:
    """Run the official Ethereum state tests through our SQL state store; print a table per category and
    'N passed, M failed', then each failure with its file, index and reason."""
    raise typer.Exit(
        run_conformance(
            str(directory),
            fork,
            str(json_out) if json_out else None,
            database_url=database_url,
            baseline_memorydb=baseline_memorydb,
        )
    )


def register(app: typer.Typer) -> None:
    app.command()(conformance)
