"""A stored case against a node: run it from genesis and compare with the reference node's answers kept
beside it (the suite replays every case under tests/fixtures/difffuzz/ on our chain, with no anvil)."""

from __future__ import annotations

from typing import Any

from app.evm.conformance.difffuzz.case import Case
from app.evm.conformance.difffuzz.compare import Difference, compare
from app.evm.conformance.difffuzz.observe import Node, account_state, run


def replay(node: Node, case: Case, expected: dict[str, Any]) -> list[Difference]:
    seen = run(node, case)
    seen.state = account_state(node, set(expected["state"]))
    return compare(expected, seen)
