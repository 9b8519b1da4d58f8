"""End to end in one app: a price pushed on our chain (real AuriAggregator, the real valuation engine's block
listener) takes a collateral position across its warning threshold, and the alert is in GET /v1/alerts, on
the stream, in the audit trail and at a real HTTP webhook receiver, once; a push that stays in warning
raises nothing more; recovery raises one more."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.collateral.conftest import FAST, add_webhook
from tests.collateral.receiver import wait_for
from tests.collateral.wsclient import Reader
from tests.rwa.conftest import make_api
from tests.valuation.conftest import World

OUNCE = 10**18


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    for api in make_api(db_url, tmp_path, **FAST):
        yield World(api)


def position(world: World, symbol: str, wallet: str) -> dict:
    r = world.api.call(
        "POST",
        "/v1/collateral-positions",
        json={
            "asset": symbol,
            "wallet": wallet,
            "units": 10 * OUNCE,
            "debt": "15000.00",
            "currency": "USD",
            "warning_ratio": "1.25",
            "liquidation_ratio": "1.1",
        },
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_a_price_push_across_the_threshold_alerts_everywhere_once(world, receiver):
    api = world.api
    add_webhook(api, receiver)
    world.feed("XAU/USD", "2000")
    symbol, identity = world.asset(10 * OUNCE)
    world.price(symbol, kind="units", feed_pair="XAU/USD", base_units=OUNCE, currencies=["USD"])
    wallet = api.call("GET", f"/v1/identities/{identity}").json()["wallets"][0]["address"]
    p = position(world, symbol, wallet)
    assert (p["state"], p["ratio"]) == ("healthy", "1.333333333333333333")  # 10 oz x 2000 / 15000

    with api.client.websocket_connect("/v1/alerts/stream", headers=api.headers()) as ws:
        stream = Reader(ws)
        assert stream.recv()["type"] == "ready"
        block = world.push("XAU/USD", "1800")  # 18000 / 15000 = 1.2 < 1.25
        alert = stream.recv()["alert"]
        assert (alert["kind"], alert["subject"], alert["asset"]) == (
            "collateral_warning",
            f"collateral:{p['id']}",
            symbol,
        )
        assert alert["payload"]["ratio"] == "1.200000000000000000"
        assert alert["payload"]["block"] == block and alert["payload"]["previous_state"] == "healthy"
        got = api.call("GET", f"/v1/collateral-positions/{p['id']}").json()
        assert (got["state"], got["valued_block"]) == ("warning", block)

        # in GET /v1/alerts
        listed = api.call("GET", "/v1/alerts").json()
        assert [a["id"] for a in listed] == [alert["id"]] and listed[0] == alert
        # in the audit trail
        entries = api.call("GET", "/v1/audit/entries", params={"asset": symbol, "limit": 1000}).json()
        raised = [e for e in entries if e["action"] == "alert.raised"]
        assert [e["payload"]["alert"] for e in raised] == [alert["id"]]
        assert raised[0]["subject"] == f"collateral:{p['id']}"
        # at the webhook, once, signed, with the alert's id as its idempotency key
        assert receiver.arrived.wait(10)
        assert receiver.accepted == {alert["id"]: alert} and receiver.bad_signatures == 0

        world.push("XAU/USD", "1790")  # still in warning: no news
        assert stream.nothing_within(0.5)
        world.push("XAU/USD", "2100")  # 21000 / 15000 = 1.4: recovered
        recovered = stream.recv()["alert"]
        assert (recovered["kind"], recovered["severity"]) == ("collateral_recovered", "info")

    kinds = [a["kind"] for a in api.call("GET", "/v1/alerts", params={"after": 0}).json()]
    assert kinds == ["collateral_warning", "collateral_recovered"]
    wait_for(lambda: len(receiver.accepted) == 2)
    assert list(receiver.accepted) == [alert["id"], recovered["id"]]
    assert len(receiver.requests) == 2  # each alert posted once: no retries needed, none made
