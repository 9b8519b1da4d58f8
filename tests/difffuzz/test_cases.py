"""Every divergence the differential fuzzer found, minimized, replayed on our chain in process (py-evm
through our SQL store; no anvil): ours must answer what anvil answered, stored beside the case. A case
whose difference is explained in docs/conformance.md as anvil's, not ours, lists it under
``accepted_differences``; the replay pins exactly that list."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.evm.conformance.difffuzz.case import Case
from app.evm.conformance.difffuzz.observe import Node
from app.evm.conformance.difffuzz.replay import replay
from tests.conftest import make_database
from tests.difffuzz.conftest import our_node

CASES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "difffuzz").glob("*.json"))


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    gen = make_database("sqlite", tmp_path_factory.mktemp("difffuzz"))
    ours, chain = our_node(next(gen))
    yield ours
    chain.close()
    next(gen, None)


def test_there_are_cases():
    assert len(CASES) >= 5


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_ours_answers_what_anvil_answered(node, path):
    body = json.loads(path.read_text())
    differences = replay(node, Case.from_json(body["case"]), body["expected"])
    assert [str(d) for d in differences] == body.get("accepted_differences", []), body["about"]
