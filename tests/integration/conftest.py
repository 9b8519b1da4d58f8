from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.anvilproc import AnvilProcess
from tests.conftest import make_database
from tests.serverproc import ServerProcess


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """A real `aurigraph serve` process per module and database dialect."""
    tmp = tmp_path_factory.mktemp(f"server-{request.param}")
    gen = make_database(request.param, tmp)
    url = next(gen)
    proc = ServerProcess(url, tmp / "server.log").start()
    try:
        yield proc
    finally:
        proc.stop()
        next(gen, None)


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, AnvilProcess]]:
    """Our server (SQLite) and anvil --hardfork prague, side by side, for differential tests."""
    tmp = tmp_path_factory.mktemp("diff")
    gen = make_database("sqlite", tmp)
    ours = ServerProcess(next(gen), tmp / "ours.log").start()
    anvil = AnvilProcess(tmp / "anvil.log").start()
    try:
        yield ours, anvil
    finally:
        ours.stop()
        anvil.stop()
        next(gen, None)
