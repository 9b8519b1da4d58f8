"""Valuation fixtures: the app with its real chain, real AuriAggregator feeds deployed through web3.py, and
helpers that push prices over REST and wait for the engine's round of that block."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from web3 import Web3

from app.oracles.chainlink import deploy_aggregator
from app.oracles.provider import make_web3
from app.rwa.ledger import transfers as ledger
from tests.rwa.conftest import Api, make_api
from tests.rwa.factories import ACTOR, address, make_asset, make_investor


@dataclass
class World:
    api: Api

    @property
    def app(self) -> Any:
        return self.api.client.app

    @property
    def engine(self) -> Any:
        return self.app.state.valuation

    @property
    def owner(self) -> str:
        return str(Web3.to_checksum_address(self.app.state.chain.accounts[0].address))

    def w3(self) -> Any:
        return make_web3("local", self.app.state.rpc.handle)

    def deploy(self, price: str, decimals: int = 8, description: str = "feed") -> str:
        return deploy_aggregator(
            self.w3(), decimals=decimals, description=description, answer=Decimal(price), sender=self.owner
        )

    def feed(self, pair: str, price: str, decimals: int = 8, **config: Any) -> str:
        address = self.deploy(price, decimals, pair.replace("/", " / "))
        r = self.api.call("POST", "/v1/feeds", json={"pair": pair, "address": address, **config})
        assert r.status_code == 201, r.text
        return address

    def push(self, pair: str, price: str) -> int:
        r = self.api.call("POST", f"/v1/feeds/{pair}/answers", json={"price": price})
        assert r.status_code == 201, r.text
        block = r.json()["block"]
        assert self.engine.wait_for(block), "the engine did not process the block in time"
        return int(block)

    def rpc(self, method: str, *params: Any) -> Any:
        r = self.api.client.post(
            "/rpc", json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        )
        body = r.json()
        assert "error" not in body, body
        return body["result"]

    def asset(self, units: int = 0, **overrides: Any) -> tuple[str, int | None]:
        """An active asset with `units` issued to a fresh investor; returns its symbol and the identity."""
        with self.api.sm.begin() as session:
            asset = make_asset(session, **({"decimals": 18} | overrides))
            symbol = asset.symbol
            identity = None
            if units:
                wallet = address(f"{symbol}-holder")
                identity = make_investor(session, wallet)
                ledger.issue(session, actor=ACTOR, symbol=symbol, wallet=wallet, units=units)
        return symbol, identity

    def price(self, symbol: str, **rule: Any) -> dict[str, Any]:
        r = self.api.call("PUT", f"/v1/assets/{symbol}/pricing", json=rule)
        assert r.status_code == 200, r.text
        return r.json()

    def valuation(self, symbol: str, expect: int = 200, **params: Any) -> dict[str, Any]:
        r = self.api.call("GET", f"/v1/assets/{symbol}/valuation", params=params)
        assert r.status_code == expect, r.text
        return r.json()


def make_world(url: str, tmp_path: Path) -> Iterator[World]:
    # the engine's own poll stays out of the way: tests call engine.poll() when they mean it
    for api in make_api(url, tmp_path, valuation_poll_s=3600):
        yield World(api)


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    yield from make_world(db_url, tmp_path)
