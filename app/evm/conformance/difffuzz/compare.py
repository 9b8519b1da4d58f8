"""Two observations of one case, and where they differ. A difference is ``(where, field, reference, ours)``;
``field`` (e.g. ``tx.gasUsed``, ``state.storageHash``) names its kind, which is what the minimizer keeps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.evm.conformance.difffuzz.observe import Observation


@dataclass(frozen=True)
class Difference:
    where: str
    field: str
    reference: Any
    ours: Any

    def __str__(self) -> str:
        return f"{self.where} {self.field}: reference {_short(self.reference)}, ours {_short(self.ours)}"


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 140 else text[:137] + "..."


def _results(kind: str, refs: list[dict[str, Any]], ours: list[dict[str, Any]]) -> list[Difference]:
    out = []
    for i, (a, b) in enumerate(zip(refs, ours, strict=True)):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                out.append(Difference(f"{kind} {i}", f"{kind}.{key}", a.get(key), b.get(key)))
    return out


def compare(reference: Observation | dict[str, Any], ours: Observation) -> list[Difference]:
    """Every difference, transactions first (their order is the order things happened)."""
    ref = reference.to_json() if isinstance(reference, Observation) else reference
    got = ours.to_json()
    diffs = _results("deploy", ref["deploys"], got["deploys"]) + _results("tx", ref["txs"], got["txs"])
    for address in sorted(set(ref["state"]) | set(got["state"])):
        a, b = ref["state"].get(address), got["state"].get(address)
        if a is None or b is None:
            continue  # touched on one node only, and not read on the other
        for key in sorted(a):
            if a[key] != b.get(key):
                diffs.append(Difference(f"account {address}", f"state.{key}", a[key], b.get(key)))
    return diffs


def kinds(diffs: list[Difference]) -> set[str]:
    return {d.field for d in diffs}
