"""Every `# type: ignore` in app/ names its error code and says why (on its line or the line above): mypy
--strict is a gate, and an ignore without a reason hides what the next reader needs to know."""

from __future__ import annotations

import re
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]*\])?(?P<rest>.*)$")


def test_every_type_ignore_has_a_code_and_a_reason() -> None:
    bad = []
    for path in sorted(APP.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines):
            found = IGNORE.search(line)
            if found is None:
                continue
            reason_here = "#" in found["rest"]
            reason_above = n > 0 and lines[n - 1].strip().startswith("#")
            if not found["codes"] or not (reason_here or reason_above):
                bad.append(f"{path.relative_to(APP.parent)}:{n + 1}: {line.strip()}")
    assert not bad, "type: ignore without an error code or a reason:\n" + "\n".join(bad)
