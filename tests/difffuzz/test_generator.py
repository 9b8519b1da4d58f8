"""The fuzzer's own parts, without a reference node: generated cases are well-formed and reproducible,
they survive their JSON form, and the minimizer shrinks a case to what keeps a difference alive."""

from __future__ import annotations

import random

from eth_account import Account

from app.evm.conformance.difffuzz.case import Case, min_gas
from app.evm.conformance.difffuzz.compare import Difference
from app.evm.conformance.difffuzz.generator import generate
from app.evm.conformance.difffuzz.minimize import minimize
from app.evm.conformance.difffuzz.program import KINDS, Context, assemble


def test_the_same_seed_gives_the_same_case_and_the_same_signed_bytes():
    a, b = generate(random.Random(42), 42), generate(random.Random(42), 42)
    assert a.dumps() == b.dumps()
    assert [a.deploy_tx(i) for i in range(len(a.contracts))] == [
        b.deploy_tx(i) for i in range(len(b.contracts))
    ]
    assert [a.tx(i, i) for i in range(len(a.txs))] == [b.tx(i, i) for i in range(len(b.txs))]
    assert generate(random.Random(43), 43).dumps() != a.dumps()


def test_cases_survive_json_and_sign_for_the_fuzzing_accounts():
    for seed in range(40):
        case = generate(random.Random(seed), seed)
        again = Case.from_json(case.to_json())
        assert again.dumps() == case.dumps()
        assert [again.runtime(i) for i in range(len(case.contracts))] == [
            case.runtime(i) for i in range(len(case.contracts))
        ]
        for i in range(len(case.txs)):
            raw = case.tx(i, 7)
            assert Account.recover_transaction(raw) == case.sender.address


def test_generation_covers_every_fragment_kind_and_transaction_type():
    kinds, types = set(), set()
    for seed in range(200):
        case = generate(random.Random(seed), seed)
        kinds |= {str(f[0]) for c in case.contracts for f in c.code}
        types |= {t.kind for t in case.txs}
    assert kinds == set(KINDS)
    assert types == {0, 1, 2, 4}


def test_every_fragment_assembles_alone_and_ends_cleanly():
    ctx = Context(b"\x11" * 20, [b"\x22" * 20, b"\x33" * 20])
    for kind in KINDS:
        for args in [(0,) * 8, (1, 2, 3, 4, 5, 6, 7, 8), (2**256 - 1,) * 8]:
            code = assemble([(kind, *args)], ctx)
            assert code, kind


def test_min_gas_takes_the_calldata_floor_when_it_is_higher():
    assert min_gas(b"", False, 0, 0) == 21_000
    assert min_gas(b"\x01" * 100, False, 0, 0) == 21_000 + 10 * 400  # floor 25,000 > intrinsic 22,600
    assert min_gas(b"", False, 1, 2) == 21_000 + 2400 + 2 * 1900 + 50_000


def test_the_minimizer_keeps_only_what_the_difference_needs():
    case = generate(random.Random(5), 5)
    while not any(f[0] == "pre" for c in case.contracts for f in c.code):
        case = generate(random.Random(case.seed + 1), case.seed + 1)

    def check(c: Case) -> list[Difference]:  # "diverges" while some contract calls a precompile
        hit = any(f[0] == "pre" for contract in c.contracts for f in contract.code)
        return [Difference("tx 0", "tx.gasUsed", 1, 2)] if hit else []

    small, runs = minimize(case, check, "tx.gasUsed", budget_s=30)
    assert runs > 0
    assert len(small.txs) == 1 and len(small.contracts) == 1
    assert [f[0] for f in small.contracts[0].code] == ["pre", "end"]
