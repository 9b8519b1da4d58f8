"""Headless Chromium (Debian's `chromium`, installed by scripts/ensure-chromium) for the dashboard tests: load
a page, let its scripts run in virtual time, and read back the DOM it built, or a screenshot of it.

A missing browser fails the test (never a skip): the dashboard test is part of what "done" means."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("AURIGRAPH_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",  # we run as root in CI containers
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,1300",
    "--virtual-time-budget=15000",  # ms of page time: every fetch and render settles, no 15 s refresh yet
]


def _run(args: list[str], profile: Path) -> bytes:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no browser at {CHROMIUM}: scripts/test installs Debian's chromium (ensure-chromium)")
    out = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr.decode(errors="replace")[-3000:]
    return out.stdout


def dump_dom(url: str, profile: Path) -> str:
    return _run(["--dump-dom", url], profile).decode()


def screenshot(url: str, profile: Path, path: Path) -> Path:
    _run([f"--screenshot={path}", url], profile)
    return path


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: list[str] = field(default_factory=list)

    @property
    def content(self) -> str:
        return " ".join(t.strip() for t in self.text if t.strip())


class _Collector(HTMLParser):
    """Every element carrying an id or a data-* attribute, with the text inside it."""

    VOID = {"input", "br", "img", "meta", "link", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.found: list[Element] = []
        self._open: list[Element | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        el = Element(tag, a) if "id" in a or any(k.startswith("data-") for k in a) else None
        if el is not None:
            self.found.append(el)
        if tag not in self.VOID:
            self._open.append(el)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for el in self._open:
            if el is not None:
                el.text.append(data)


def elements(html: str) -> list[Element]:
    parser = _Collector()
    parser.feed(html)
    return parser.found


def by_attr(html: str, name: str, tag: str | None = None) -> dict[str, Element]:
    """Elements (of one tag) keyed by the value of one attribute (e.g. data-pair -> the feed's row)."""
    return {e.attrs[name]: e for e in elements(html) if name in e.attrs and tag in (None, e.tag)}
