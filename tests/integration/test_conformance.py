"""Ethereum state tests (the shared GeneralStateTests subset, Cancun) through our SQL state store and our
transaction validation, on SQLite and PostgreSQL.

CI runs every case except the deep-recursion ones (HEAVY): those spend seconds each in py-evm's
interpreter (1,024 call frames, loops of thousands of calls) and touch the store no differently; the full
run is ``aurigraph conformance ../shared/fixtures/ethereum-state-tests`` (docs/conformance.md). Every
failure must be one of KNOWN_DEFECTS, each an upstream py-evm defect, held as a strict xfail: when py-evm
fixes one, its test passes and fails the suite until it leaves the list."""

from __future__ import annotations

import json
from fnmatch import fnmatch
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, select

from app.cli.conformance import run_conformance
from app.evm.conformance.runner import (
    Case,
    CaseResult,
    iter_cases,
    memory_backend,
    run_case,
    sql_backend,
    state_test_vm,
    transaction_for,
)
from app.evm.storage.models import KeyValue
from tests.conftest import DIALECTS, make_database

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT.parent / "shared" / "fixtures" / "ethereum-state-tests"
FORKS = ("Cancun", "Shanghai")  # the forks the shared fixtures have expectations for
HEAVY = (
    "*1024*",
    "*RecursiveBomb*",
    "*CannotBeDosd*",
    "*DepthThenRevert*",
    "LoopCallsThenRevert",
    "StaticcallToPrecompileFrom*",
    "*ABAcalls*",
    "CREATE2_FirstByte_loop",
)
CaseId = tuple[str, str, str, int]  # fork, file, test, index in post[fork]


def cancun(path: str, index: int = 0) -> CaseId:
    """A Cancun case of a file whose one test bears the file's name, as in ethereum/tests."""
    return ("Cancun", f"GeneralStateTests/{path}.json", path.rsplit("/", 1)[-1], index)


# Cases allowed to fail, each with why (a strict xfail below). Empty: py-evm's one known miss here, EIP-7610
# (a CREATE onto an address with storage must collide: InitCollisionParis, RevertInCreateInInit_Paris), is
# fixed in our chain (app/evm/execution/pyevm.py), and those cases now pass through our store.
KNOWN_DEFECTS: dict[CaseId, str] = {}
EIP7610_CASES = [
    cancun("stSStoreTest/InitCollisionParis", 0),
    cancun("stSStoreTest/InitCollisionParis", 1),
    cancun("stSStoreTest/InitCollisionParis", 2),
    cancun("stSStoreTest/InitCollisionParis", 3),
    cancun("stRevertTest/RevertInCreateInInit_Paris"),
]
# invalid transactions py-evm applies when given one alone; our validation must reject them
PYEVM_ALONE_ACCEPTS = {
    cancun("stEIP1559/tipTooHigh"),
    cancun("stEIP1559/transactionIntinsicBug_Paris"),
    cancun("Cancun/stEIP4844-blobtransactions/blobhashListBounds7"),
    cancun("Cancun/stEIP4844-blobtransactions/createBlobhashTx"),
}


def case_id(case: Case | CaseResult) -> CaseId:
    return (case.fork, case.file, case.test, case.index)


def all_cases() -> list[Case]:
    if not FIXTURES.is_dir():
        pytest.fail(f"the shared state-test fixtures are missing: {FIXTURES.relative_to(REPO_ROOT.parent)}")
    return [case for fork in FORKS for case in iter_cases(FIXTURES, fork)]


def ci_cases() -> list[Case]:
    return [c for c in all_cases() if not any(fnmatch(Path(c.file).stem, p) for p in HEAVY)]


@pytest.fixture(scope="module", params=DIALECTS)
def outcome(request, tmp_path_factory):
    """Every CI case through our store on one database kind, run once per module."""
    databases = make_database(request.param, tmp_path_factory.mktemp(request.param))
    try:
        with sql_backend(next(databases)) as backend:
            results = [run_case(case, backend) for case in ci_cases()]
    finally:
        next(databases, None)
    return {case_id(r): r for r in results}


@pytest.mark.slow
def test_every_failure_is_a_known_upstream_defect(outcome):
    failures = {k: r.reason for k, r in outcome.items() if not r.passed}
    assert set(failures) <= set(KNOWN_DEFECTS), {k: failures[k] for k in set(failures) - set(KNOWN_DEFECTS)}
    assert all(reason.startswith("root mismatch") for reason in failures.values()), failures
    assert sum(r.passed for r in outcome.values()) >= len(outcome) - len(KNOWN_DEFECTS)
    assert len(outcome) >= 590  # 575 Cancun and 20 Shanghai cases: the subset did not silently shrink
    for k in PYEVM_ALONE_ACCEPTS:
        assert outcome[k].passed and outcome[k].rejected_by == "ours", outcome[k]


@pytest.mark.slow
def test_eip7610_collisions_pass_through_our_store(outcome):
    for k in EIP7610_CASES:
        assert outcome[k].passed, outcome[k].reason


def test_pyevm_alone_accepts_invalid_transactions_that_our_validation_rejects():
    cases = [c for c in all_cases() if case_id(c) in PYEVM_ALONE_ACCEPTS]
    assert len(cases) == len(PYEVM_ALONE_ACCEPTS)
    for case in cases:
        baseline = run_case(case, memory_backend(), validate=False)
        assert baseline.reason.startswith("wrongly accepted"), baseline
        ours = run_case(case, memory_backend())
        assert ours.passed and ours.rejected_by == "ours", ours


def test_transactions_signed_from_fields_match_txbytes():
    """The fallback for fixtures without ``txbytes`` signs the same transaction; legacy ones without a
    chain id, as retesteth does (the pyspecs use EIP-155), which changes no state or log."""
    for case in all_cases():
        vm = state_test_vm(case.fork)
        want = transaction_for(vm, case.fixture["transaction"], case.post)
        post = {k: v for k, v in case.post.items() if k != "txbytes"}
        got = transaction_for(vm, case.fixture["transaction"], post)
        fields = ("sender", "nonce", "gas", "to", "value", "data", "type_id")
        assert [getattr(got, f, None) for f in fields] == [getattr(want, f, None) for f in fields], case.file
        if got.type_id:  # typed: the same bytes (access list, blob hashes and signature included)
            assert got.encode() == want.encode(), case.file


def test_cli_prints_the_table_failures_and_totals(tmp_path, capsys):
    for name in ("stEIP1559/tipTooHigh.json", "stExample/add11.json"):
        target = tmp_path / "GeneralStateTests" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((FIXTURES / "GeneralStateTests" / name).read_bytes())
    out = tmp_path / "results.json"  # beside the fixtures: a later run must not take it for one

    assert run_conformance(str(tmp_path), "Cancun", str(out)) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[-1] == "2 passed, 0 failed"
    assert "stEIP1559" in printed and "stExample" in printed
    assert json.loads(out.read_text())["passed"] == 2

    assert run_conformance(str(tmp_path), "Cancun", None, baseline_memorydb=True) == 1
    printed = capsys.readouterr().out
    assert "tipTooHigh #0 d0g0v0: wrongly accepted" in printed
    assert printed.splitlines()[-1] == "1 passed, 1 failed"

    assert run_conformance(str(tmp_path), "Osaka", None) == 2


def test_refuses_a_database_that_holds_state(sqlite_url, capsys):
    """The runner wipes its table before every case: it must never run on a chain's database."""
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(insert(KeyValue).values(key=b"head", value=b"precious"))
    directory = str(FIXTURES / "GeneralStateTests" / "stExample")
    assert run_conformance(directory, "Cancun", None, database_url=sqlite_url) == 2
    assert "not a scratch database: its evm_kv table is not empty (1 rows)" in capsys.readouterr().out
    with engine.connect() as conn:
        assert conn.execute(select(KeyValue.value)).scalars().all() == [b"precious"]
    engine.dispose()
