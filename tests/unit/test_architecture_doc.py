"""docs/architecture.md draws the packages and arrows the code has: an import added across packages without
regenerating the diagram (the command is in the document) fails here."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_documented_diagram_is_the_codes_own() -> None:
    spec = importlib.util.spec_from_file_location("architecture", ROOT / "tools" / "architecture.py")
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    diagram = tool.mermaid()
    documented = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert diagram in documented, (
        "docs/architecture.md is out of date: regenerate it with the command it shows"
    )
    assert "app_api --> app_rwa" in diagram and "app_rwa --> app_api" not in diagram
