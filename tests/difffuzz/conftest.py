"""Our chain in process for the fuzzer's tests: a migrated scratch SQLite database, the JSON-RPC dispatcher
as a ``Node``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.config import Settings
from app.db import make_engine
from app.evm.conformance.difffuzz.observe import Node
from app.evm.node.chain import Chain
from app.evm.rpc.dispatch import Rpc


def our_node(url: str) -> tuple[Node, Chain]:
    chain = Chain(make_engine(url), Settings(database_url=url))
    return Node("ours", Rpc(chain).handle), chain


@pytest.fixture
def ours(sqlite_url: str) -> Iterator[Node]:
    node, chain = our_node(sqlite_url)
    yield node
    chain.close()
