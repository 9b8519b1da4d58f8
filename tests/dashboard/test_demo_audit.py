"""`aurigraph demo` in process (no server: the CLI opens the chain with its own valuation engine), then the
auditor's path: export, and verify against the published key. The export verifies
and holds the demo's feed registrations, pricing rules, pushes, the loan and its alerts (both databases)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.rwa.audit.export import export_jsonl
from app.rwa.audit.signing_key import public_key, signer
from app.rwa.audit.verify import verify_jsonl
from app.rwa.demo.oracles import FEEDS, ROUNDS
from tests.serverproc import ROOT

pytestmark = pytest.mark.slow


def cli(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, (out.stdout + out.stderr).decode()[-3000:]
    return out.stdout.decode()


def test_the_audit_export_after_the_demo_verifies_and_holds_feeds_rules_and_alerts(
    db_url: str, tmp_path: Path
):
    env = {"AURIGRAPH_DATABASE_URL": db_url, "AURIGRAPH_DATA_DIR": str(tmp_path / "data")}
    printed = cli(env, "demo")
    assert "priced GOLD-LBMA, LIS-OFFICE, AUR-GB27; collateral position 1; 3 price rounds" in printed
    assert "already there" in cli(env, "demo")  # a second run changes nothing

    # what `audit export` and `audit verify --pubkey $(audit pubkey)` run, in this process (no CLI start-ups)
    export = tmp_path / "audit.jsonl"
    settings = Settings(database_url=db_url, data_dir=tmp_path / "data")  # the demo's key, made by the CLI
    engine = make_engine(db_url)
    with make_sessionmaker(engine).begin() as session:
        export_jsonl(session, export, key=signer(settings))
    engine.dispose()
    assert verify_jsonl(export, public_key(settings)).ok

    entries = [e for e in map(json.loads, export.read_text().splitlines()) if e["type"] == "entry"]
    actions = Counter(e["action"] for e in entries)
    registered = {e["payload"]["pair"]: e["payload"] for e in entries if e["action"] == "feed.register"}
    assert set(registered) == {f.pair for f in FEEDS}
    assert registered["XAU/USD"]["decimals"] == 8 and registered["XAU/USD"]["heartbeat_s"] == 86_400
    assert {e["asset"] for e in entries if e["action"] == "pricing.set"} == {
        "GOLD-LBMA",
        "LIS-OFFICE",
        "AUR-GB27",
    }
    assert actions["feed.push"] == sum(len(r) for r in ROUNDS)
    assert actions["collateral.opened"] == 1
    alerts = [e["payload"] for e in entries if e["action"] == "alert.raised"]
    assert [a["kind"] for a in alerts] == ["collateral_warning", "collateral_recovered"]
