"""One real server per database with `aurigraph demo --rpc` run beside it, shared by the module's tests: the
demo's feed pushes are valued by the server's own engine, as a newcomer's dashboard would show them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.db import make_engine, make_sessionmaker
from tests.conftest import DIALECTS, make_database
from tests.rwa.factories import make_key
from tests.serverproc import ROOT, ServerProcess


@dataclass
class DemoServer:
    srv: ServerProcess
    url: str  # the database's
    tmp: Path
    auditor: str  # the demo's auditor key: reads everything, writes nothing
    admin: str
    demo_output: str

    def get(self, path: str, key: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key or self.auditor}"}
        return httpx.get(self.srv.url + path, headers=headers, timeout=30)

    def json(self, path: str) -> Any:
        r = self.get(path)
        assert r.status_code == 200, r.text
        return r.json()


def wait_until(check: Callable[[], bool], what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture(scope="module", params=DIALECTS)
def demo_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoServer]:
    tmp = tmp_path_factory.mktemp(f"dashboard-{request.param}")
    databases = make_database(request.param, tmp)
    url = next(databases)
    # no valuation poll: it re-reads every feed every 15 s, so a guard failure could be counted twice at
    # any moment; every page test here is driven by blocks
    env = {"AURIGRAPH_DATA_DIR": str(tmp / "data"), "AURIGRAPH_VALUATION_POLL_S": "3600"}
    srv = ServerProcess(url, tmp / "server.log", **env).start()
    try:
        out = subprocess.run(
            [sys.executable, "-m", "app.cli", "demo", "--rpc", srv.url],
            cwd=ROOT,
            env={**os.environ, "AURIGRAPH_DATABASE_URL": url, **env},
            capture_output=True,
            timeout=300,
            check=False,
        )
        assert out.returncode == 0, out.stderr.decode()[-3000:]
        stdout = out.stdout.decode()
        match = re.search(r"auditor\s+key: (\S+)", stdout)
        assert match, stdout
        engine = make_engine(url)
        with make_sessionmaker(engine).begin() as session:
            admin = make_key(session, "admin")
        engine.dispose()
        demo = DemoServer(srv, url, tmp, match[1], admin, stdout)
        # the server's engine values the demo's rounds on its own thread: wait for the last of them
        wait_until(lambda: len(demo.json("/v1/alerts")) >= 2, "the demo loan's warning and recovery alerts")
        wait_until(
            lambda: all(f["health"] for f in demo.json("/v1/feeds")), "the server's engine to read every feed"
        )
        yield demo
    finally:
        srv.stop()
        for _ in databases:
            pass
