"""`aurigraph demo` as a script sees it (a real process, output not a terminal): plain progress lines on
stderr for both halves, then with `--json` one JSON object on stdout saying what was seeded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_demo_reports_progress_and_a_json_summary(sqlite_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AURIGRAPH_DATABASE_URL": sqlite_url}
    env["AURIGRAPH_DATA_DIR"] = str(tmp_path / "data")
    run = subprocess.run(
        [sys.executable, "-m", "app.cli", "demo", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert len(summary["registry"]["assets"]) == 3 and summary["registry"]["investors"] == 12
    assert summary["oracles"]["rounds"] > 0 and summary["oracles"]["position_id"] is not None
    # --json: no progress on stderr (the dev audit key is announced there the first time)
    assert "demo:" not in run.stderr
    again = subprocess.run(
        [sys.executable, "-m", "app.cli", "demo"], capture_output=True, text=True, env=env, timeout=600
    )
    assert again.returncode == 0 and "already there" in again.stdout
    assert "demo:" not in again.stderr  # nothing left to do: no progress to show


@pytest.mark.slow
def test_demo_without_json_shows_plain_progress_lines(sqlite_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AURIGRAPH_DATABASE_URL": sqlite_url}
    env["AURIGRAPH_DATA_DIR"] = str(tmp_path / "data")
    run = subprocess.run(
        [sys.executable, "-m", "app.cli", "demo"], capture_output=True, text=True, env=env, timeout=600
    )
    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    assert "demo: registry 0/5 (0%)" in lines and "demo: registry 5/5 done" in lines
    assert any(
        line.startswith("demo: feeds, rules, loan, price rounds ") and line.endswith(" done")
        for line in lines
    )
    assert "refused: LIS-OFFICE to a US investor (country not allowed): COUNTRY_NOT_ALLOWED" in run.stdout
