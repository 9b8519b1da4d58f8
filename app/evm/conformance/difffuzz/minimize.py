"""Shrink a diverging case while the divergence persists: drop transactions, contracts, fragments (halves
first, then one by one), authorizations and access lists; then simplify what is left (no calldata, no
value, EIP-1559 instead of legacy). "Persists" means a difference of the same kind (``tx.gasUsed``, ...)
as the first one found, so the shrinking cannot wander off to another bug."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from functools import partial

from app.evm.conformance.difffuzz.case import Case
from app.evm.conformance.difffuzz.compare import Difference

Check = Callable[[Case], list[Difference]]


def minimize(case: Case, check: Check, field: str, budget_s: float = 120.0) -> tuple[Case, int]:
    """The smallest case found within the time budget whose differences still include ``field``, and how
    many candidates were run."""
    deadline = time.monotonic() + budget_s
    runs = 0
    best = case
    progress = True
    tried: set[str] = set()  # a candidate that lost the difference once is not run again
    while progress and time.monotonic() < deadline:
        progress = False
        for candidate in _candidates(best):
            if time.monotonic() > deadline:
                break
            key = candidate.dumps()
            if key in tried:
                continue
            tried.add(key)
            runs += 1
            try:
                diffs = check(candidate)
            except Exception:  # a candidate a node cannot run is not a smaller case
                continue
            if any(d.field == field for d in diffs):
                best, progress = candidate, True
                break
    return best, runs


def _candidates(case: Case) -> Iterator[Case]:
    for i in reversed(range(len(case.txs))):
        if len(case.txs) > 1:
            yield _edit(case, partial(_drop_tx, i=i))
    for i in reversed(range(len(case.contracts))):
        if len(case.contracts) > 1:
            yield _edit(case, partial(_drop_contract, i=i))
    for i, contract in enumerate(case.contracts):
        body = len(contract.code) - 1  # the `end` fragment stays
        if body > 0:  # the whole body first: other contracts keep their addresses
            yield _edit(case, partial(_drop_fragments, i=i, start=0, n=body))
        size = body // 2
        while size >= 1:
            for start in range(0, body, size):
                yield _edit(case, partial(_drop_fragments, i=i, start=start, n=size))
            size //= 2
        yield _edit(case, partial(_plain_contract, i=i))
    for i, tx in enumerate(case.txs):
        for j in reversed(range(len(tx.auths))):
            yield _edit(case, partial(_drop_auth, i=i, j=j))
        yield _edit(case, partial(_plain_tx, i=i, keep_data=False))
        yield _edit(case, partial(_plain_tx, i=i, keep_data=True))


def _drop_tx(c: Case, i: int) -> None:
    c.txs.pop(i)


def _drop_contract(c: Case, i: int) -> None:
    c.contracts.pop(i)


def _drop_fragments(c: Case, i: int, start: int, n: int) -> None:
    code = c.contracts[i].code
    c.contracts[i].code = code[:start] + code[start + n : -1] + code[-1:]


def _plain_contract(c: Case, i: int) -> None:
    """No initial storage, no endowment, a plain STOP at the end."""
    spec = c.contracts[i]
    spec.storage, spec.balance = {}, 0
    if spec.code and spec.code[-1][0] == "end":
        spec.code[-1] = ("end", 0)


def _drop_auth(c: Case, i: int, j: int) -> None:
    c.txs[i].auths.pop(j)


def _plain_tx(c: Case, i: int, keep_data: bool) -> None:
    """No access list, no value, EIP-1559 rather than legacy; no calldata (or half of it)."""
    tx = c.txs[i]
    tx.access, tx.value = [], 0
    tx.kind = 2 if tx.kind in (0, 1) else tx.kind
    tx.data = tx.data[: len(tx.data) // 4 * 2] if keep_data else ""


def _edit(case: Case, change: Callable[[Case], None]) -> Case:
    out = Case(copy.deepcopy(case.contracts), copy.deepcopy(case.txs), case.seed, case.fund)
    change(out)
    return out
