"""API test helpers: the schemathesis run's case counts printed in the terminal summary, so CI logs show
them even when the run passes (pytest hides a passing test's own output)."""

from __future__ import annotations

import pytest

FUZZ_REPORTS = pytest.StashKey[list[str]]()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    reports = config.stash.get(FUZZ_REPORTS, [])
    if reports:
        terminalreporter.section("schemathesis")
        for line in reports:
            terminalreporter.write_line(line)
