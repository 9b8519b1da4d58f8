"""schemathesis over every operation of the app's own OpenAPI document (issue 11, item 17).

A real server process on a registry seeded by `aurigraph demo` (so paths name real assets, identities,
documents, audit entries and keys about half of the time), on SQLite and PostgreSQL, once without a key and
once with an admin key. Every generated case must answer without a 5xx or a dropped connection, with a
status the document declares for the operation, the declared content type, and a body that matches the
declared schema. The number of generated cases is printed (shown with `-rA`, and in a failure's message)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.config import Settings
from app.main import create_app
from tests.api.conftest import FUZZ_REPORTS
from tests.conftest import make_database
from tests.serverproc import ROOT, ServerProcess

pytestmark = pytest.mark.slow

# examples per operation and key variant: ~70 operations x 2 variants x 2 dialects, about 3 minutes on 2
# cores at 15 (AURIGRAPH_FUZZ_EXAMPLES=100 for a deeper run: 6,701 cases per variant on SQLite, ~9 min)
MAX_EXAMPLES = int(os.environ.get("AURIGRAPH_FUZZ_EXAMPLES", "15"))
ADMIN = "with an admin key"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _cli(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp: Path = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    gen = make_database(request.param, tmp)
    url = next(gen)
    data = str(tmp / "data")
    env = {**os.environ, "AURIGRAPH_DATABASE_URL": url, "AURIGRAPH_DATA_DIR": data}
    _cli(env, "demo")
    admin = _cli(env, "keys", "create", "--role", "admin", "--name", "fuzz").strip().splitlines()[-1]
    server = ServerProcess(url, tmp / "server.log", AURIGRAPH_DATA_DIR=data).start()
    try:
        yield server, admin, _real_values(server.url, admin) | _a_contract(server.url, admin)
    finally:
        server.stop()
        next(gen, None)


def _real_values(base: str, admin: str) -> dict[str, list[Any]]:
    """Path values that exist in the demo registry (the fuzzing admin key's own prefix left out, so a
    DELETE cannot revoke the key the run depends on)."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin}"}) as c:
        symbols = [a["symbol"] for a in c.get("/v1/assets").raise_for_status().json()]
        docs = [d["name"] for s in symbols for d in c.get(f"/v1/assets/{s}/documents").json()]
        seqs = [e["seq"] for e in c.get("/v1/audit/entries", params={"limit": 1000}).json()]
        me = c.get("/v1/keys/me").json()["prefix"]
        return {
            "symbol": symbols,
            "identity_id": [i["id"] for i in c.get("/v1/identities").json()],
            "name": docs,
            "seq": [seqs[0], seqs[len(seqs) // 2], seqs[-1]],
            "prefix": [k["prefix"] for k in c.get("/v1/keys").json() if k["prefix"] != me],
            "block": ["latest", "earliest", "0", "1"],
        }


def _a_contract(base: str, admin: str) -> dict[str, list[Any]]:
    """One deployed contract (runtime code returning 42, no solc needed): a real address and tx hash."""
    body = {"bytecode": "0x600a600c600039600a6000f3602a60005260206000f3", "abi": [], "name": "FortyTwo"}
    r = httpx.post(f"{base}/v1/contracts", json=body, headers={"Authorization": f"Bearer {admin}"})
    assert r.status_code == 201, r.text
    return {"address": [r.json()["contract"]["address"]], "tx_hash": [r.json()["transaction"]["tx_hash"]]}


def _with_real_paths(real: dict[str, list[Any]]) -> Callable[..., Any]:
    def flatmap_path_parameters(_context: Any, path_parameters: dict[str, Any]) -> Any:
        known = {k: st.sampled_from(real[k]) for k in path_parameters or {} if real.get(k)}
        if not known:
            return st.just(path_parameters)
        replaced = st.fixed_dictionaries(known).map(lambda r: {**path_parameters, **r})
        return st.one_of(st.just(path_parameters), replaced)

    return flatmap_path_parameters


class Run:
    def __init__(self) -> None:
        self.cases = 0
        self.statuses: Counter[int] = Counter()
        self.failures: dict[tuple[str, str], str] = {}  # (operation, problem) -> one example

    def record(self, label: str, problem: str, example: str) -> None:
        self.failures.setdefault((label, problem), example)

    def summary(self, variant: str) -> str:
        statuses = dict(sorted(self.statuses.items()))
        lines = [f"schemathesis [{variant}]: {self.cases} cases, {len(self.failures)} failures, {statuses}"]
        for (op, problem), example in sorted(self.failures.items()):
            lines.append(f"  {op}: {problem}\n      {example}")
        return "\n".join(lines)


def _fuzz(base: str, real: dict[str, list[Any]], headers: dict[str, str]) -> Run:
    app = create_app(Settings(database_url="sqlite://"))  # type: ignore[call-arg]
    schema = schemathesis.openapi.from_dict(app.openapi())
    schema.hook(_with_real_paths(real))
    run = Run()
    with requests.Session() as session:
        for result in schema.get_all_operations():
            operation = result.ok()
            _runner(run, operation, base, session, headers)()
    return run


def _runner(run: Run, operation: Any, base: str, session: requests.Session, headers: dict[str, str]) -> Any:
    label = f"{operation.method.upper()} {operation.path}"

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: each distinct problem is kept as found
        suppress_health_check=list(HealthCheck),
    )
    def one(case: Any) -> None:
        run.cases += 1
        try:
            # our headers replace the key schemathesis generates from the security schemes
            response = case.call(base_url=base, session=session, headers=headers, timeout=120)
        except requests.RequestException as exc:
            run.record(label, f"connection: {type(exc).__name__}", repr(case.path_parameters))
            return
        run.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (FailureGroup, Failure) as exc:
            example = f"{case.path_parameters} {case.query} {str(case.body)[:200]}: {response.text[:300]}"
            for failure in exc.exceptions if isinstance(exc, FailureGroup) else [exc]:
                run.record(label, f"{response.status_code} {failure.title}", example)

    return one


@pytest.mark.parametrize("variant", ["without a key", ADMIN])
def test_every_operation_holds_under_schemathesis(
    served: Any, variant: str, request: pytest.FixtureRequest
) -> None:
    server, admin, real = served
    headers = {"Authorization": f"Bearer {admin}"} if variant == ADMIN else {}
    started = time.monotonic()
    run = _fuzz(server.url, real, headers)
    took = time.monotonic() - started
    report = run.summary(f"{variant}, {MAX_EXAMPLES} examples per operation, {took:.0f} s")
    print(report)
    request.config.stash.setdefault(FUZZ_REPORTS, []).append(f"[{request.node.callspec.id}] " + report)
    assert run.cases > 0 and not run.failures, report
