"""FX arithmetic: conversions into EUR and GBP are exact to the stated rounding (half-even to ISO-4217 minor
units), checked against exact rational arithmetic and against plain Decimal arithmetic at high precision;
market hours of FX and metals feeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from app.oracles.errors import UnknownCurrency
from app.oracles.fx import MINOR_UNITS, convert, to_minor
from app.oracles.guards import market_open


def scaled(places: int, max_units: int) -> st.SearchStrategy[Decimal]:
    return st.integers(0, max_units * 10**places).map(lambda n: Decimal(n).scaleb(-places))


# a USD value (up to 10^18 base units of an asset with 18 decimals priced with 8) and an FX answer with the
# feed's decimals (Chainlink's EUR/USD and GBP/USD have 8)
amounts = st.integers(0, 26).flatmap(lambda p: scaled(p, 10**15))
rates = st.integers(1, 18).flatmap(lambda p: scaled(p, 10)).filter(lambda r: r > 0)


def exact(amount: Decimal, rate: Decimal, inverse: bool, places: int) -> Decimal:
    q = Fraction(amount) / Fraction(rate) if inverse else Fraction(amount) * Fraction(rate)
    # round() of a Fraction is half-even; scaleb only moves the exponent (no context rounding at 1000 digits)
    return Decimal(round(q * 10**places)).scaleb(-places, Context(prec=1000))


def plain_decimal(amount: Decimal, rate: Decimal, inverse: bool, places: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 300
        value = amount / rate if inverse else amount * rate
        return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


@given(amount=amounts, rate=rates, inverse=st.booleans(), currency=st.sampled_from(["EUR", "GBP"]))
@example(amount=Decimal("0.125"), rate=Decimal("0.5"), inverse=False, currency="EUR")  # a tie: to even
@example(amount=Decimal("0.0135"), rate=Decimal("1"), inverse=True, currency="GBP")
@example(amount=Decimal("1"), rate=Decimal("1.08"), inverse=True, currency="EUR")  # non-terminating
def test_conversions_are_exact_to_the_stated_rounding(amount, rate, inverse, currency):
    got = to_minor(convert(amount, rate, inverse=inverse), currency)
    assert got == exact(amount, rate, inverse, 2) == plain_decimal(amount, rate, inverse, 2)
    assert got.as_tuple().exponent == -2


def test_half_even_ties_and_minor_units():
    assert to_minor(Decimal("0.125"), "EUR") == Decimal("0.12")
    assert to_minor(Decimal("0.135"), "gbp") == Decimal("0.14")
    assert to_minor(Decimal("2.5"), "JPY") == Decimal("2")
    assert to_minor(Decimal("1.0005"), "KWD") == Decimal("1.000")
    assert to_minor(Decimal(10**40) + Decimal("0.005"), "USD") == Decimal(10**40)
    assert convert(Decimal("100"), Decimal("1.0850"), inverse=False) == Decimal("108.5")
    assert MINOR_UNITS["EUR"] == MINOR_UNITS["GBP"] == 2


def test_bad_currencies_and_rates_are_refused():
    with pytest.raises(UnknownCurrency, match="'XYZ'") as exc:
        to_minor(Decimal(1), "XYZ")
    assert exc.value.kind == "invalid"
    with pytest.raises(ValueError, match="positive"):
        convert(Decimal(1), Decimal(0), inverse=True)
    with pytest.raises(TypeError, match="never float"):
        convert(1.5, Decimal(1), inverse=False)  # type: ignore[arg-type]


FRIDAY_2200 = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "is_open"),
    [
        (FRIDAY_2200 - timedelta(seconds=1), True),
        (FRIDAY_2200, False),
        (FRIDAY_2200 + timedelta(days=1), False),  # Saturday
        (FRIDAY_2200 + timedelta(days=2) - timedelta(seconds=1), False),  # Sunday 21:59:59
        (FRIDAY_2200 + timedelta(days=2), True),  # Sunday 22:00
        (FRIDAY_2200 + timedelta(days=3), True),  # Monday
    ],
)
def test_fx_and_metals_close_from_friday_to_sunday_22_utc(at, is_open):
    assert market_open("fx", at) is market_open("metals", at) is is_open
    assert market_open("always", at)


def test_market_hours_follow_utc_whatever_the_zone():
    from zoneinfo import ZoneInfo

    assert not market_open("fx", FRIDAY_2200.astimezone(ZoneInfo("America/New_York")))
    with pytest.raises(ValueError, match="market_hours"):
        market_open("weekdays", FRIDAY_2200)
