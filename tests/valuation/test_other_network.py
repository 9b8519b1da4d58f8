"""A feed on another network (a separate anvil node over HTTP) is polled, and its new rounds value the
assets it prices, in our chain's timeline (the head block at the poll)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from web3 import Web3

from app.oracles.chainlink import deploy_aggregator, push_answer
from app.rwa.repo import asset_by_symbol
from tests.anvilproc import AnvilProcess

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def anvil(tmp_path_factory):  # type: ignore[no-untyped-def]
    node = AnvilProcess(tmp_path_factory.mktemp("anvil") / "anvil.log").start()
    yield node
    node.stop()


def test_a_polled_feed_on_anvil_values_the_asset(world, anvil):
    w3 = Web3(Web3.HTTPProvider(anvil.url))
    owner = w3.eth.accounts[0]
    remote = deploy_aggregator(w3, decimals=8, description="XAG / USD", answer=Decimal("25"), sender=owner)
    r = world.api.call("POST", "/v1/feeds", json={"pair": "XAG/USD", "address": remote, "network": anvil.url})
    assert r.status_code == 201 and r.json()["description"] == "XAG / USD", r.text
    symbol, _ = world.asset(10**18)
    world.price(symbol, kind="units", feed_pair="XAG/USD", base_units=10**18, currencies=["USD"])
    assert world.valuation(symbol)["value"] == "25.00"  # read over HTTP when the rule was set

    assert world.engine.poll() == set()  # nothing moved since
    push_answer(w3, remote, Decimal("26.5"), owner)
    assert world.engine.poll() == {_asset_id(world, symbol)}
    v = world.valuation(symbol)
    assert v["value"] == "26.50" and v["feed"]["round_id"] == "2" and v["feed"]["address"] == remote
    assert v["block_number"] == world.app.state.chain.head_number


def _asset_id(world, symbol):  # type: ignore[no-untyped-def]
    with world.api.sm() as session:
        return asset_by_symbol(session, symbol).id
