"""The CLI's progress output (issue 13, item 6) for `aurigraph conformance` and `aurigraph fuzz`: plain lines
when stderr is not a terminal, nothing with --quiet, and `--json -` prints the JSON alone on stdout."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from app.cli.conformance import Progress, run_conformance, run_fuzz

STATE_TESTS = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "ethereum-state-tests"


def test_plain_progress_lines_when_not_a_terminal():
    out = io.StringIO()
    progress = Progress("cases", 3, quiet=False, stream=out)
    progress.update(1, "0 failed")
    progress.update(2, "0 failed")  # within the interval: no second line
    progress.note("failed: x.json t #0: reason")
    progress.close()
    assert out.getvalue().splitlines() == ["cases: 1/3 0 failed", "failed: x.json t #0: reason"]


def test_quiet_progress_prints_nothing():
    out = io.StringIO()
    progress = Progress("cases", 3, quiet=True, stream=out)
    progress.update(1)
    progress.note("a divergence")
    progress.close()
    assert out.getvalue() == ""


@pytest.mark.skipif(not STATE_TESTS.is_dir(), reason="the shared state-test fixtures are not on this machine")
def test_conformance_json_to_stdout_alone(tmp_path, capsys):
    target = tmp_path / "GeneralStateTests" / "stExample" / "add11.json"
    target.parent.mkdir(parents=True)
    target.write_bytes((STATE_TESTS / "GeneralStateTests" / "stExample" / "add11.json").read_bytes())
    assert run_conformance(str(tmp_path), "Cancun", "-", quiet=True) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["passed"] == 1
    assert captured.err == ""


@pytest.mark.skipif(not STATE_TESTS.is_dir(), reason="the shared state-test fixtures are not on this machine")
def test_quiet_conformance_prints_the_closing_line_only(tmp_path, capsys):
    target = tmp_path / "GeneralStateTests" / "stExample" / "add11.json"
    target.parent.mkdir(parents=True)
    target.write_bytes((STATE_TESTS / "GeneralStateTests" / "stExample" / "add11.json").read_bytes())
    assert run_conformance(str(tmp_path), "Cancun", None, quiet=True) == 0
    assert capsys.readouterr().out.splitlines() == ["1 passed, 0 failed"]


def test_fuzz_refuses_an_unreachable_reference_node(capsys):
    assert run_fuzz("http://127.0.0.1:9", 1, 1, None) == 2
    assert "does not answer" in capsys.readouterr().err
