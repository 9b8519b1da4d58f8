"""A price pushed on our chain values an asset through the block listener: real chain, real AuriAggregator,
real web3.py reader, the app over HTTP. Conversions through FX feeds are exact to half-even minor units."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext

from app.metrics import FEED_AVAILABILITY, VALUATIONS_STORED

OUNCE = 10**18  # base units per troy ounce


def expected(units: int, price: str, rate: str | None, *, inverse: bool, places: str = "0.01") -> Decimal:
    with localcontext(Context(prec=200)):
        amount = Decimal(units) * Decimal(price) / OUNCE
        if rate is not None:
            amount = amount / Decimal(rate) if inverse else amount * Decimal(rate)
        return amount.quantize(Decimal(places), rounding=ROUND_HALF_EVEN)


def test_a_pushed_answer_values_the_asset_in_usd_eur_and_gbp(world):
    world.feed("XAU/USD", "2000")
    world.feed("EUR/USD", "1.08123457")
    world.feed("GBP/USD", "1.26543211")
    units = 1234_567891234567891234  # about 1234.57 troy ounces
    symbol, _ = world.asset(units)
    rule = world.price(
        symbol, kind="units", feed_pair="XAU/USD", base_units=OUNCE, currencies=["USD", "EUR", "GBP"]
    )
    assert rule["base_units"] == str(OUNCE) and rule["currencies"] == ["USD", "EUR", "GBP"]
    first = world.valuation(symbol)  # valued at once, at the head, when the rule was set
    assert first["value"] == str(expected(units, "2000", None, inverse=False))

    stored = VALUATIONS_STORED._value.get()
    block = world.push("XAU/USD", "2345.67891234")
    usd = world.valuation(symbol, currency="USD")
    assert usd["block_number"] == block and usd["stale"] is False and usd["source"] == "primary"
    assert usd["value"] == str(expected(units, "2345.67891234", None, inverse=False))
    assert usd["feed"]["answer"] == "234567891234" and usd["feed"]["decimals"] == 8
    assert usd["feed"]["round_id"] == "2" and usd["fx"] == []
    assert VALUATIONS_STORED._value.get() - stored == 3  # USD, EUR, GBP in the round of that block

    eur = world.valuation(symbol, currency="EUR")
    assert eur["value"] == str(expected(units, "2345.67891234", "1.08123457", inverse=True))
    [leg] = eur["fx"]
    assert leg["pair"] == "EUR/USD" and leg["inverse"] is True and leg["answer"] == "108123457"
    gbp = world.valuation(symbol, currency="GBP")
    assert gbp["value"] == str(expected(units, "2345.67891234", "1.26543211", inverse=True))
    assert "ROUND_HALF_EVEN" in gbp["rounding"]

    # an FX update alone revalues the asset in that currency, from the same gold price
    block = world.push("EUR/USD", "1.1")
    eur = world.valuation(symbol, currency="EUR")
    assert eur["block_number"] == block
    assert eur["value"] == str(expected(units, "2345.67891234", "1.1", inverse=True))
    assert world.valuation(symbol, currency="USD")["block_number"] < block  # USD did not depend on it
    assert FEED_AVAILABILITY.labels(pair="XAU/USD")._value.get() == 1.0


def test_nav_and_appraisal_rules(world):
    world.feed("FUND1-NAV/USD", "101.2345", decimals=4)
    world.feed("EUR/USD", "1.25")
    fund, _ = world.asset(3 * 10**6, decimals=6)
    world.price(fund, kind="nav", feed_pair="FUND1-NAV/USD", base_units=10**6, currencies=["USD"])
    world.push("FUND1-NAV/USD", "102.5")
    assert world.valuation(fund)["value"] == "307.50"  # 3 shares x 102.50

    house, _ = world.asset(1000)
    world.price(
        house, kind="appraisal", appraisal_amount="2500000.00", appraisal_currency="EUR",
        appraised_at="2026-01-15T00:00:00Z", base_units=1000, currencies=["EUR", "USD"],
    )  # fmt: skip
    assert world.valuation(house, currency="EUR")["value"] == "2500000.00"
    assert world.valuation(house, currency="USD")["value"] == "3125000.00"  # through EUR/USD 1.25
    world.push("EUR/USD", "1.2")
    usd = world.valuation(house, currency="USD")
    assert usd["value"] == "3000000.00" and usd["source"] == "appraisal" and usd["fx"][0]["pair"] == "EUR/USD"
