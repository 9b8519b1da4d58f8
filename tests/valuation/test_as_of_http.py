"""Point in time: the value current at a block or a moment stays what it was after later updates; the
history lists every valuation in order, paginated; a portfolio values an identity's holdings."""

from __future__ import annotations

from datetime import datetime, timedelta

OUNCE = 10**18


def test_as_of_block_and_time_after_later_updates_history_and_portfolio(world):
    world.feed("XAU/USD", "2000")
    world.feed("EUR/USD", "1.25")
    symbol, identity = world.asset(2 * OUNCE)
    world.price(symbol, kind="units", feed_pair="XAU/USD", base_units=OUNCE, currencies=["USD", "EUR"])
    b1 = world.push("XAU/USD", "2100")
    at1 = world.valuation(symbol)["block_time"]
    b2 = world.push("XAU/USD", "2200")
    world.rpc("evm_mine")  # a block without any update: nothing changes
    b3 = world.push("XAU/USD", "2300")

    assert world.valuation(symbol)["value"] == "4600.00"
    assert world.valuation(symbol, block=b1)["value"] == "4200.00"
    assert world.valuation(symbol, block=b2)["value"] == "4400.00"
    assert world.valuation(symbol, block=b2 + 1)["value"] == "4400.00"  # still current one block later
    assert world.valuation(symbol, block=b3, currency="EUR")["value"] == "3680.00"
    assert world.valuation(symbol, at=at1)["value"] == "4200.00"
    assert world.valuation(symbol, at=at1, currency="EUR")["value"] == "3360.00"
    later = (datetime.fromisoformat(at1) + timedelta(milliseconds=999)).isoformat()
    assert world.valuation(symbol, at=later)["block_number"] == b1

    page = world.api.call("GET", f"/v1/assets/{symbol}/valuations", params={"limit": 2}).json()
    assert [v["value"] for v in page["items"]] == ["4000.00", "4200.00"] and page["next"] is not None
    rest = world.api.call("GET", f"/v1/assets/{symbol}/valuations", params={"after": page["next"]}).json()
    assert [v["value"] for v in rest["items"]] == ["4400.00", "4600.00"] and rest["next"] is None
    window = world.api.call(
        "GET", f"/v1/assets/{symbol}/valuations", params={"from": at1, "to": at1, "currency": "EUR"}
    ).json()
    assert [v["block_number"] for v in window["items"]] == [b1]

    book = world.api.call("GET", f"/v1/identities/{identity}/portfolio", params={"currency": "EUR"}).json()
    assert book["total"] == "3680.00" and book["currency"] == "EUR"
    [line] = book["positions"]
    assert line["asset"] == symbol and line["units"] == str(2 * OUNCE) and line["value"] == "3680.00"
    assert line["stale"] is False and line["block_number"] == b3
