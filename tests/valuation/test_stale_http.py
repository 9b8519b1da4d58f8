"""A feed that fails mid-round never stops the other assets: its assets are valued from the last good
answer, marked stale with the guard that failed, visibly in the API; a configured fallback is used first."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import select

from app.metrics import FEED_AVAILABILITY
from app.oracles.chainlink import push_answer
from app.rwa.alerts.models import Alert
from app.rwa.repo import asset_by_symbol

OUNCE = 10**18


def test_a_failing_feed_is_valued_stale_and_the_other_assets_go_on(world):
    gold_feed = world.feed("XAU/USD", "2000")
    world.feed("FUND1-NAV/USD", "100", decimals=4)
    world.feed("EUR/USD", "1.25")
    gold, _ = world.asset(OUNCE)
    fund, _ = world.asset(10**6, decimals=6)
    world.price(gold, kind="units", feed_pair="XAU/USD", base_units=OUNCE, currencies=["EUR"])
    world.price(fund, kind="nav", feed_pair="FUND1-NAV/USD", base_units=10**6, currencies=["EUR"])

    world.rpc("anvil_setCode", gold_feed, "0x")  # the gold feed is shut down: its calls answer nothing
    block = world.push("EUR/USD", "1.6")  # one round revalues both assets in EUR

    g = world.valuation(gold, currency="EUR")
    assert g["block_number"] == block and g["stale"] is True and g["source"] == "last_good"
    assert g["failed"] == ["reverted"] and g["value"] == "1250.00"  # last good gold price, new EUR rate
    f = world.valuation(fund, currency="EUR")
    assert f["block_number"] == block and f["stale"] is False and f["value"] == "62.50"
    history = world.api.call("GET", f"/v1/assets/{gold}/valuations", params={"currency": "EUR"}).json()
    assert [v["stale"] for v in history["items"]] == [False, True]

    [alert] = alerts(world)  # once per outage, in the round's transaction, never for the healthy feeds
    assert alert["kind"] == "feed_stale" and alert["subject"] == "feed:XAU/USD"
    assert alert["payload"]["failed"] == ["reverted"] and alert["payload"]["block"] == block
    world.push("EUR/USD", "1.5")
    assert len(alerts(world)) == 1


def alerts(world):  # type: ignore[no-untyped-def]
    with world.api.sm() as session:
        rows = session.scalars(select(Alert).order_by(Alert.id))
        return [{"kind": a.kind, "subject": a.subject, "payload": json.loads(a.payload)} for a in rows]


def test_a_stale_answer_falls_back_then_is_marked_stale(world):
    world.feed("XAU2/USD", "1990", heartbeat_s=3600)
    world.feed("XAU/USD", "2000", heartbeat_s=60, fallback_pair="XAU2/USD")
    world.feed("SILVER/USD", "25", heartbeat_s=60)
    world.feed("EUR/USD", "1.25")
    gold, _ = world.asset(OUNCE)
    silver, _ = world.asset(OUNCE)
    world.price(gold, kind="units", feed_pair="XAU/USD", base_units=OUNCE, currencies=["EUR"])
    world.price(silver, kind="units", feed_pair="SILVER/USD", base_units=OUNCE, currencies=["EUR"])

    world.rpc("evm_increaseTime", 600)  # past both 60 s heartbeats, within the fallback's hour
    world.push("EUR/USD", "1.2")
    g = world.valuation(gold, currency="EUR")
    assert g["source"] == "fallback" and g["stale"] is False and g["failed"] == ["stale"]
    assert g["feed"]["answer"] == "199000000000" and g["value"] == "1658.33"  # 1990 / 1.2, half-even
    s = world.valuation(silver, currency="EUR")
    assert s["stale"] is True and s["source"] == "last_good" and s["failed"] == ["stale"]
    assert s["value"] == "20.83"  # 25 / 1.2 = 20.8333...

    feeds = {f["pair"]: f for f in world.api.call("GET", "/v1/feeds").json()}
    assert feeds["SILVER/USD"]["health"]["availability"] is not None


def test_a_non_positive_answer_on_chain_keeps_the_last_good_value_marked(world):
    feed = world.feed("XAU/USD", "2000")
    gold, _ = world.asset(OUNCE)
    world.price(gold, kind="units", feed_pair="XAU/USD", base_units=OUNCE, currencies=["USD"])
    for bad in (Decimal(0), Decimal(-5)):  # the owner writes it on chain, around our REST refusal
        push_answer(world.w3(), feed, bad, world.owner)
        assert world.engine.wait_for(world.app.state.chain.head_number)
        v = world.valuation(gold)
        assert v["stale"] is True and v["failed"] == ["non_positive"] and v["value"] == "2000.00"
    world.push("XAU/USD", "2010")
    assert world.valuation(gold)["stale"] is False and world.valuation(gold)["value"] == "2010.00"


def test_a_feed_that_stops_updating_goes_stale_on_the_poll(world):
    world.feed("XAU/USD", "2000", heartbeat_s=60)
    gold, _ = world.asset(OUNCE)
    world.price(gold, kind="units", feed_pair="XAU/USD", base_units=OUNCE, currencies=["USD"])
    engine = world.engine
    assert engine.poll() == set()  # fresh, as at the last look: nothing to do
    world.rpc("evm_increaseTime", 120)  # no block, no log: only the clock moves past the heartbeat
    assert engine.poll() == {engine_asset_id(world, gold)}
    v = world.valuation(gold)
    assert v["stale"] is True and v["failed"] == ["stale"] and v["value"] == "2000.00"
    assert [a["kind"] for a in alerts(world)] == ["feed_stale"]
    world.rpc("evm_increaseTime", 60)
    assert engine.poll() == set()  # still stale (a minute more): no new round, no second alert
    world.push("XAU/USD", "2050")
    assert world.valuation(gold)["stale"] is False
    assert engine.poll() == set()
    assert [a["kind"] for a in alerts(world)] == ["feed_stale", "feed_recovered"]
    assert 0 < FEED_AVAILABILITY.labels(pair="XAU/USD")._value.get() < 1


def engine_asset_id(world, symbol):  # type: ignore[no-untyped-def]
    with world.api.sm() as session:
        return asset_by_symbol(session, symbol).id
