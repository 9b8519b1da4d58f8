"""`aurigraph audit export` and `audit verify` as a script sees them (a real process, output not a terminal):
plain progress lines on stderr and a summary on stdout; `--json` one JSON object; `--quiet` nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.db import make_engine, make_sessionmaker
from app.rwa.audit.signing_key import keygen
from tests.audit.factories import add_entries

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(sqlite_url: str, tmp_path: Path) -> dict[str, str]:
    engine = make_engine(sqlite_url)
    add_entries(make_sessionmaker(engine), 25)
    engine.dispose()
    data = tmp_path / "data"
    keygen(data / "audit_ed25519.pem")
    return {"AURIGRAPH_DATABASE_URL": sqlite_url, "AURIGRAPH_DATA_DIR": str(data)}


def aurigraph(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, env=full, timeout=120
    )


def test_export_and_verify_report_in_plain_lines_then_summarise(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "audit.jsonl"
    export = aurigraph(env, "audit", "export", "--out", str(out))
    assert export.returncode == 0, export.stderr
    progress = ["audit export: entries 0/25 (0%)", "audit export: entries 25/25 done"]
    assert export.stderr.splitlines() == progress
    assert export.stdout.splitlines()[0].startswith("25 entries (seq 1..25) of 25, root ")
    pubkey = aurigraph(env, "audit", "pubkey").stdout.strip()
    verify = aurigraph(env, "audit", "verify", str(out), "--pubkey", pubkey)
    assert verify.returncode == 0, verify.stderr
    assert verify.stderr.splitlines()[-1] == "audit verify: entries 25/25 done"
    assert verify.stdout.startswith("OK: 25 entries verified")


def test_json_and_quiet_are_for_scripts(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "audit.jsonl"
    export = aurigraph(env, "audit", "export", "--out", str(out), "--json")
    assert export.returncode == 0 and export.stderr == ""
    summary = json.loads(export.stdout)
    assert summary["count"] == 25 and summary["tree_size"] == 25 and summary["out"] == str(out)
    verify = aurigraph(env, "audit", "verify", str(out), "--trust-embedded-key", "--json")
    assert verify.returncode == 0 and verify.stderr == ""
    result = json.loads(verify.stdout)
    assert result["ok"] is True and result["entries"] == 25 and result["root"] == summary["root"]
    assert result["key_from_export"] is True
    lines = out.read_bytes().splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:5] + lines[6:]))  # entry 5 gone
    broken = aurigraph(env, "audit", "verify", str(out), "--trust-embedded-key", "--json")
    assert broken.returncode == 1
    assert json.loads(broken.stdout)["ok"] is False and json.loads(broken.stdout)["line"] == 6
    quiet = aurigraph(env, "audit", "export", "--out", str(out), "--quiet")
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
