"""The rows a round appends, against plain Decimal arithmetic: a holding's value in USD, EUR (through
EUR/USD, inverted) or GBP via EUR (two legs through USD) is the exact value rounded once, half-even, to
minor units; the unit value is exact whenever the division terminates."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext

from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.oracles.base import PriceQuote
from app.rwa.valuation.rounds import Rule, build_rows

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def quote(pair: str, answer: int, decimals: int) -> PriceQuote:
    return PriceQuote(pair, "local", "0x" + "11" * 20, 7, answer, decimals, NOW)


def exact(units: int, price: Decimal, base: int, legs: list[tuple[Decimal, bool]], places: int) -> Decimal:
    with localcontext(Context(prec=500)):
        amount = Decimal(units) * price / base
        for rate, inverse in legs:
            amount = amount / rate if inverse else amount * rate
        return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


answers = st.integers(min_value=1, max_value=10**30)


@settings(max_examples=300, deadline=None)
# 2**256 units of a quotient that does not terminate: with a unit value of 80 digits the total was off
@example(units=2**256 - 1, answer=10**30, decimals=1, base_exp=0, eur=3, gbp=7, fx_decimals=1)
# an exact tie: 1026 x 0.01 USD / 21.6 = 0.475 EUR, half-even 0.48 (from a rounded unit value: 0.47)
@example(units=1026, answer=1, decimals=1, base_exp=1, eur=216, gbp=216, fx_decimals=1)
@given(
    units=st.integers(min_value=0, max_value=2**256 - 1),
    answer=answers,
    decimals=st.integers(min_value=1, max_value=36),
    base_exp=st.integers(min_value=0, max_value=36),
    eur=answers,
    gbp=answers,
    fx_decimals=st.integers(min_value=1, max_value=18),
)
def test_values_are_exact_then_rounded_half_even(units, answer, decimals, base_exp, eur, gbp, fx_decimals):
    quotes = {
        "XAU/USD": quote("XAU/USD", answer, decimals),
        "EUR/USD": quote("EUR/USD", eur, fx_decimals),
        "GBP/USD": quote("GBP/USD", gbp, fx_decimals),
    }
    rule = Rule(1, units, "units", "XAU/USD", 10**base_exp, None, None, ("USD", "EUR", "GBP"))
    rows = {
        r["currency"]: r for r in build_rows([rule], quotes, quotes.keys(), block_number=1, block_time=NOW)
    }
    price = Decimal(answer).scaleb(-decimals)
    rate_eur, rate_gbp = (Decimal(a).scaleb(-fx_decimals) for a in (eur, gbp))
    assert rows["USD"]["unit_value"] == price / Decimal(10**base_exp)  # a power of ten: exact
    assert rows["USD"]["total_value"] == exact(units, price, 10**base_exp, [], 2)
    assert rows["EUR"]["total_value"] == exact(units, price, 10**base_exp, [(rate_eur, True)], 2)
    assert rows["GBP"]["total_value"] == exact(units, price, 10**base_exp, [(rate_gbp, True)], 2)
    assert rows["EUR"]["fx"][0]["answer"] == str(eur) and rows["EUR"]["fx"][0]["inverse"] is True


@settings(max_examples=200, deadline=None)
@given(units=st.integers(min_value=0, max_value=10**40), amount=answers, eur=answers)
def test_an_eur_appraisal_in_gbp_goes_through_two_legs(units, amount, eur):
    gbp = 126543211
    quotes = {"EUR/USD": quote("EUR/USD", eur, 8), "GBP/USD": quote("GBP/USD", gbp, 8)}
    appraisal = Decimal(amount).scaleb(-2)
    rule = Rule(1, units, "appraisal", None, 1000, appraisal, "EUR", ("GBP", "JPY"))
    quotes["USD/JPY"] = quote("USD/JPY", 15012345, 5)
    rows = {
        r["currency"]: r for r in build_rows([rule], quotes, quotes.keys(), block_number=1, block_time=NOW)
    }
    legs = [(Decimal(eur).scaleb(-8), False), (Decimal(gbp).scaleb(-8), True)]
    assert rows["GBP"]["total_value"] == exact(units, appraisal, 1000, legs, 2)
    assert [leg["pair"] for leg in rows["GBP"]["fx"]] == ["EUR/USD", "GBP/USD"]
    jpy = exact(units, appraisal, 1000, [(Decimal(eur).scaleb(-8), False), (Decimal("150.12345"), False)], 0)
    assert rows["JPY"]["total_value"] == jpy  # yen: no minor units
