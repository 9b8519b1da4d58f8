"""docs/permissions.md is the permission table of the app as it is: a route added or re-permissioned without
regenerating it fails here (the command is in the document)."""

from __future__ import annotations

from pathlib import Path

from app.api.permissions import markdown
from app.main import create_app

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def test_the_documented_table_is_the_apps_own():
    table = markdown(create_app()).strip()
    documented = DOC.read_text(encoding="utf-8")
    assert table in documented, "docs/permissions.md is out of date: regenerate it with the command it shows"
