"""Print the package diagram of docs/architecture.md (mermaid) from the code's real imports, read by grimp
(the import graph import-linter checks).

    PYTHONPATH=. .venv/bin/python tools/architecture.py    # paste its output between the markers

A box is a package of app/ (a sub-package of app.api, app.evm and app.rwa is a box of its own, inside its
parent's frame); an arrow A --> B says some module of A imports some module of B. The foundation modules
that every package may use (app.errors, app.config, app.db) get no arrows: the text names them instead.
tests/test_architecture_doc.py keeps the document's diagram equal to this output.
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
FOUNDATION = ("app.errors", "app.config", "app.db")
FRAMES = ("app.api", "app.evm", "app.rwa")  # packages drawn as a frame around their sub-packages


def _packages() -> list[str]:
    found = []
    for init in sorted((ROOT / "app").rglob("__init__.py")):
        parts = init.parent.relative_to(ROOT).parts
        if len(parts) == 2 or (len(parts) == 3 and ".".join(parts[:2]) in FRAMES):
            found.append(".".join(parts))
    return found


def _box(module: str, packages: list[str]) -> str:
    """The box a module is drawn in: its sub-package, its package, or (a frame's own modules, such as
    app.evm.errors) the frame's `.own` box; a top-level module (app.main) is a box of its own."""
    best = max((p for p in packages if module == p or module.startswith(p + ".")), key=len, default=None)
    if best is None:
        return ".".join(module.split(".")[:2])
    if best in FRAMES:
        return best + ".own"
    return best


def _frame(box: str) -> str | None:
    return next((f for f in FRAMES if box.startswith(f + ".")), None)


def _node(name: str) -> str:
    return name.replace(".", "_")


def boxes_and_arrows() -> tuple[dict[str, set[str]], set[tuple[str, str]]]:
    """Each box with the modules in it, and the arrows: between boxes of one frame as they are, else
    between the frames (app.api --> app.rwa, not each route to each service)."""
    graph = grimp.build_graph("app", cache_dir=None)  # no cache folder left in the repository
    packages = _packages()
    boxes: dict[str, set[str]] = {}
    arrows: set[tuple[str, str]] = set()
    for module in graph.modules:
        if module == "app" or module.startswith(FOUNDATION):
            continue
        src = _box(module, packages)
        boxes.setdefault(src, set()).add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if not imported.startswith("app.") or imported.startswith(FOUNDATION):
                continue
            dst = _box(imported, packages)
            if _frame(src) != _frame(dst):
                src_drawn, dst = _frame(src) or src, _frame(dst) or dst
            else:
                src_drawn = src
            if src_drawn != dst:
                arrows.add((src_drawn, dst))
    return boxes, arrows


def _own_label(frame: str, modules: set[str]) -> str:
    names = sorted(m.removeprefix(frame + ".") for m in modules if m != frame)
    return " · ".join(names) if names else "__init__"


def mermaid() -> str:
    boxes, arrows = boxes_and_arrows()
    lines = ["```mermaid", "flowchart TD"]
    for frame in FRAMES:
        lines.append(f'  subgraph {_node(frame)}["{frame}"]')
        for box in sorted(b for b in boxes if _frame(b) == frame):
            if box.endswith(".own"):
                label = _own_label(frame, boxes[box])
            else:
                label = box.removeprefix(frame + ".")
            lines.append(f'    {_node(box)}["{label}"]')
        lines.append("  end")
    for box in sorted(b for b in boxes if _frame(b) is None):
        lines.append(f'  {_node(box)}["{box}"]')
    lines += [f"  {_node(src)} --> {_node(dst)}" for src, dst in sorted(arrows)]
    lines.append("```")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(mermaid() + "\n")
