"""Oracle fixtures: our chain in process (SQLite, one per test module) read through web3.py's full request
stack by the in-process provider, and helpers that deploy and move real aggregators on it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from web3 import Web3

from app.config import Settings
from app.db import make_engine
from app.evm.contracts.compiler import BUILD_DIR
from app.evm.node.chain import Chain
from app.evm.rpc.dispatch import Rpc
from app.metrics import REGISTRY
from app.oracles.chainlink import ChainlinkReader, aggregator, deploy_aggregator
from app.oracles.provider import Networks, make_web3
from tests.conftest import make_database


@pytest.fixture(scope="module")
def rpc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rpc]:
    gen = make_database("sqlite", tmp_path_factory.mktemp("oracle-chain"))
    url = next(gen)
    r = Rpc(Chain(make_engine(url), Settings(database_url=url)))
    try:
        yield r
    finally:
        r.chain.close()
        next(gen, None)


@pytest.fixture(scope="module")
def w3(rpc: Rpc) -> Web3:
    return make_web3("local", rpc.handle)


@pytest.fixture(scope="module")
def owner(w3: Web3) -> str:
    return str(w3.eth.accounts[0])


@pytest.fixture(scope="module")
def reader(rpc: Rpc) -> ChainlinkReader:
    return ChainlinkReader(Networks(rpc.handle))


@pytest.fixture
def feed(w3: Web3, owner: str):
    """Deploy a fresh 8-decimal AuriAggregator at ``answer`` (a price), owned by the first dev account."""

    def deploy(answer: Decimal | int = Decimal("2000"), decimals: int = 8, description: str = "XAU / USD"):
        return deploy_aggregator(w3, decimals=decimals, description=description, answer=answer, sender=owner)

    return deploy


def set_round(w3: Web3, address: str, owner: str, round_id: int, answer: int, updated: int, started: int):
    """updateRoundData: the owner writes a round as given (stale, unanswered, ...)."""
    fn = aggregator(w3, address).functions.updateRoundData(round_id, answer, updated, started)
    w3.eth.wait_for_transaction_receipt(fn.transact({"from": owner}))


def deploy_counter(w3: Web3, owner: str) -> str:
    """The committed Counter (contracts/build): a contract, but not an aggregator."""
    built = json.loads((BUILD_DIR / "Counter.json").read_text())
    tx = w3.eth.contract(abi=built["abi"], bytecode=built["bytecode"]).constructor().transact({"from": owner})
    return str(w3.eth.wait_for_transaction_receipt(tx)["contractAddress"])


def set_code(rpc: Rpc, address: str, code: str) -> None:
    """anvil_setCode: put any runtime at ``address`` (a feed shut down, a contract answering garbage)."""
    out = rpc.handle({"jsonrpc": "2.0", "id": 1, "method": "anvil_setCode", "params": [address, code]})
    assert out is not None and "error" not in out, out


def block_time(w3: Web3) -> datetime:
    return datetime.fromtimestamp(w3.eth.get_block("latest")["timestamp"], UTC)


def sample(name: str, **labels: Any) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0
