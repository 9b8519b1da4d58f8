"""The differential fuzzer against a real anvil (--hardfork prague): a bounded run finds no divergence
(a fixed seed and a random one, printed), and a divergence planted in our VM (one opcode's gas) is found
and minimized within the bound, so a quiet run means something."""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator

import pytest

from app.evm.conformance.difffuzz.fuzz import fuzz
from app.evm.conformance.difffuzz.generator import generate
from app.evm.conformance.difffuzz.observe import Node
from app.evm.conformance.difffuzz.program import BINARY, TERNARY, UNARY
from app.evm.node.chain import Chain
from tests.anvilproc import AnvilProcess
from tests.conftest import make_database
from tests.difffuzz.conftest import our_node

pytestmark = [pytest.mark.anvil, pytest.mark.slow]
FIXED_SEED = 20261201
BOUND_S = 30.0


@pytest.fixture(scope="module")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    proc = AnvilProcess(tmp_path_factory.mktemp("anvil") / "anvil.log").start()
    yield Node.http(proc.url)
    proc.stop()


@pytest.fixture
def ours(tmp_path) -> Iterator[tuple[Node, Chain]]:
    gen = make_database("sqlite", tmp_path)
    node, chain = our_node(next(gen))
    yield node, chain
    chain.close()
    next(gen, None)


def _explain(report) -> str:
    return report.summary() + "".join(f"\n  {f.field}: {f.differences[:3]}" for f in report.found)


@pytest.mark.parametrize("seed", [FIXED_SEED, random.SystemRandom().getrandbits(32)], ids=["fixed", "random"])
def test_a_bounded_run_finds_no_divergence(anvil, ours, tmp_path, seed):
    print(f"difffuzz seed {seed}", file=sys.stderr)
    report = fuzz(anvil, ours[0], BOUND_S, seed, tmp_path / "found", minimize_s=20)
    assert report.cases >= 5, _explain(report)
    assert report.errors == 0, _explain(report)
    assert not report.by_field, f"seed {seed}: {_explain(report)}"


def test_a_planted_gas_divergence_is_found_and_minimized(anvil, ours, monkeypatch, tmp_path):
    """ADD costs one gas more in a copy of our mining VM's opcode table (anvil is untouched)."""
    node, chain = ours
    computation = chain._chain.get_vm_class_for_block_number(0)._state_class.computation_class
    table = dict(computation.opcodes)
    add = table[0x01]
    table[0x01] = type(add).as_opcode(add.logic_fn, add.mnemonic, add.gas_cost + 1)
    monkeypatch.setattr(computation, "opcodes", table)

    report = fuzz(anvil, node, BOUND_S, FIXED_SEED, tmp_path / "found", minimize_s=25, until_found=True)

    assert report.found, _explain(report)
    found = report.found[0]
    assert found.field == "tx.gasUsed", _explain(report)
    assert found.path is not None and found.path.exists()
    ops = BINARY + TERNARY + UNARY
    fragments = [f for c in found.case.contracts for f in c.code]
    assert any(f[0] == "op" and ops[int(f[1]) % len(ops)] == 0x01 for f in fragments), fragments
    original = generate(random.Random(found.seed), found.seed)
    before = sum(len(c.code) for c in original.contracts) + len(original.txs)
    assert len(fragments) + len(found.case.txs) < before, fragments  # shrunk
