"""Every failure of the `aurigraph` command is one readable line on stderr with a non-zero exit code, never a
traceback (the real command, run as a process, its output not a terminal)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def aurigraph(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    inherited = {k: v for k, v in os.environ.items() if k != "AURIGRAPH_TRACEBACK"}
    full = {**inherited, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, env=full, timeout=120
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["audit", "export", "--out", "x.jsonl", "--from", "abc"], "Invalid value for '--from'"),
        (["audit", "export"], "Missing option '--out'"),
        (["audit", "export", "--out", "x", "--bogus"], "No such option: --bogus"),
        (["no-such-command"], "No such command 'no-such-command'"),
    ],
)
def test_a_bad_command_line_is_one_line_and_exit_code_2(args: list[str], says: str) -> None:
    result = aurigraph(*args)
    assert result.returncode == 2
    line = one_error_line(result)
    assert says in line and "--help" in line and result.stdout == ""


def test_a_refusal_of_the_service_is_one_line_and_exit_code_1(tmp_path: Path) -> None:
    # no key file yet: `audit pubkey` is refused by the service (AuditKeyMissing)
    env = {"AURIGRAPH_DATA_DIR": str(tmp_path), "AURIGRAPH_DATABASE_URL": f"sqlite:///{tmp_path}/a.db"}
    result = aurigraph("audit", "pubkey", env=env)
    assert result.returncode == 1
    assert "aurigraph audit keygen" in one_error_line(result)


def test_an_unexpected_failure_is_one_line_unless_the_traceback_is_asked_for(tmp_path: Path) -> None:
    env = {"AURIGRAPH_DATA_DIR": str(tmp_path), "AURIGRAPH_DATABASE_URL": "nosuchdb://nowhere/x"}
    result = aurigraph("keys", "list", env=env)
    assert result.returncode == 1
    assert "AURIGRAPH_TRACEBACK=1" in one_error_line(result)
    loud = aurigraph("keys", "list", env={**env, "AURIGRAPH_TRACEBACK": "1"})
    assert loud.returncode == 1 and "Traceback" in loud.stderr
