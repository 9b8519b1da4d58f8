"""The time-bounded loop: generate a case, run it on the reference node and on ours, compare; after a case
that agrees, sometimes run it again with one transaction's gas limit at the edge of what it used (out of
gas at the boundary, refunds that a tight limit cannot cover). The first divergence of each kind is
minimized and written as a JSON case; later ones of the same kind are counted."""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.evm.conformance.difffuzz.case import Case, min_gas
from app.evm.conformance.difffuzz.compare import Difference, compare
from app.evm.conformance.difffuzz.generator import generate
from app.evm.conformance.difffuzz.minimize import minimize
from app.evm.conformance.difffuzz.observe import Node, Observation, observe_both
from app.evm.conformance.difffuzz.templates import init_code


@dataclass
class Found:
    field: str
    seed: int
    differences: list[Difference]
    case: Case
    path: Path | None = None


@dataclass
class Report:
    seed: int
    seconds: float = 0.0
    cases: int = 0
    contracts: int = 0
    transactions: int = 0
    errors: int = 0
    by_field: Counter[str] = field(default_factory=Counter)
    found: list[Found] = field(default_factory=list)

    def summary(self) -> str:
        kinds = ", ".join(f"{k} x{n}" for k, n in sorted(self.by_field.items())) or "none"
        return (
            f"seed {self.seed}: {self.cases} cases ({self.contracts} programs, {self.transactions} "
            f"transactions) in {self.seconds:.0f} s; diverging cases by kind: {kinds}; "
            f"{len(self.found)} minimized; {self.errors} errors"
        )


Progress = Callable[[Report, str], None]


def check(ref: Node, ours: Node, case: Case) -> list[Difference]:
    a, b = observe_both(ref, ours, case)
    return compare(a, b)


def fuzz(
    ref: Node,
    ours: Node,
    seconds: float,
    seed: int,
    out_dir: Path | None = None,
    minimize_s: float = 60.0,
    progress: Progress | None = None,
    until_found: bool = False,
) -> Report:
    """Fuzz for ``seconds`` (or, with ``until_found``, until the first divergence is minimized)."""
    rng = random.Random(seed)
    report = Report(seed)
    started = time.monotonic()
    deadline = started + seconds
    while time.monotonic() < deadline and not (until_found and report.found):
        case_seed = rng.getrandbits(32)
        case = generate(random.Random(case_seed), case_seed)
        variant: Case | None = case
        while variant is not None and time.monotonic() < deadline:
            report.cases += 1
            report.contracts += len(variant.contracts)
            report.transactions += len(variant.txs)
            try:
                a, b = observe_both(ref, ours, variant)
            except Exception as exc:  # a node that fails to answer is reported, and the run goes on
                report.errors += 1
                if progress:
                    progress(report, f"case {case_seed}: {type(exc).__name__}: {exc}")
                break
            diffs = compare(a, b)
            if diffs:
                _diverged(ref, ours, report, variant, diffs, out_dir, minimize_s, progress)
                break
            variant = _at_the_edge(rng, variant, a)
        if progress:
            progress(report, "")
    report.seconds = time.monotonic() - started
    return report


def _diverged(
    ref: Node,
    ours: Node,
    report: Report,
    case: Case,
    diffs: list[Difference],
    out_dir: Path | None,
    minimize_s: float,
    progress: Progress | None,
) -> None:
    kind = diffs[0].field
    report.by_field[kind] += 1
    if any(f.field == kind for f in report.found):
        return
    if progress:
        progress(report, f"divergence {kind} in case {case.seed}: {diffs[0]}; minimizing")
    small, runs = minimize(case, lambda c: check(ref, ours, c), kind, minimize_s)
    a, b = observe_both(ref, ours, small)
    found = Found(kind, case.seed, compare(a, b), small)
    if out_dir is not None:
        found.path = write_case(out_dir, found, a, b, runs)
    report.found.append(found)
    if progress:
        progress(report, f"minimized in {runs} runs: {len(small.contracts)} contracts, {len(small.txs)} txs")


def _at_the_edge(rng: random.Random, case: Case, seen: Observation) -> Case | None:
    """The same case with one transaction's gas limit at the edge of what it used, or None."""
    mined = [i for i, t in enumerate(seen.txs) if "gasUsed" in t]
    if not mined or rng.random() > 0.4:
        return None
    i = rng.choice(mined)
    used, spec = seen.txs[i]["gasUsed"], case.txs[i]
    full = (init_code(spec.init) if spec.to < 0 else b"") + bytes.fromhex(spec.data)
    least = min_gas(full, spec.to < 0, len(spec.access), len(spec.auths))
    edge = max(least, used + rng.choice((-1, 0, 1, -(used // 64), -2_300, 2_300)))
    out = Case.from_json(case.to_json())
    if out.txs[i].gas == edge:
        return None
    out.txs[i].gas = edge
    return out


def write_case(out_dir: Path, found: Found, ref: Observation, ours: Observation, runs: int) -> Path:
    """The minimized case with the reference node's answers as the expected results (atomic write)."""
    body = {
        "about": f"difference {found.field}, found with case seed {found.seed}, minimized in {runs} runs",
        "differences": [str(d) for d in found.differences],
        "case": found.case.to_json(),
        "expected": ref.to_json(),
        "ours_when_found": ours.to_json(),
    }
    text = json.dumps(body, indent=1, sort_keys=True) + "\n"
    digest = hashlib.sha256(found.case.dumps().encode()).hexdigest()[:10]
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{found.field.replace('.', '-')}-{digest}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(path)
    return path


def load_case(path: Path) -> tuple[Case, dict[str, Any]]:
    body = json.loads(path.read_text())
    return Case.from_json(body["case"]), body["expected"]
