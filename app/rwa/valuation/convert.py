"""Pure valuation arithmetic: FX paths between currencies through registered pairs, and the value of one
base unit and of a holding. Exact Decimal throughout (`app.oracles.fx`); money is rounded once, at the end,
to the currency's ISO-4217 minor units, half-even."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import ROUND_05UP, Context, Decimal
from fractions import Fraction

from app.oracles.base import PriceQuote
from app.oracles.fx import minor_units

PIVOT = "USD"  # cross rates go through it (EUR -> GBP = EUR/USD, then GBP/USD inverted)


@dataclass(frozen=True, slots=True)
class Leg:
    pair: str
    inverse: bool  # divide by the rate (USD -> EUR through EUR/USD) instead of multiplying


def _direct(src: str, dst: str, pairs: Collection[str]) -> Leg | None:
    if f"{src}/{dst}" in pairs:
        return Leg(f"{src}/{dst}", inverse=False)
    if f"{dst}/{src}" in pairs:
        return Leg(f"{dst}/{src}", inverse=True)
    return None


def fx_path(src: str, dst: str, pairs: Collection[str]) -> tuple[Leg, ...] | None:
    """The legs that take an amount in `src` to `dst`: none, one direct pair, or two through USD."""
    if src == dst:
        return ()
    leg = _direct(src, dst, pairs)
    if leg is not None:
        return (leg,)
    first, second = _direct(src, PIVOT, pairs), _direct(PIVOT, dst, pairs)
    if first is not None and second is not None:
        return (first, second)
    return None


# The unit value shown and stored is a Decimal: exact when the division terminates, else 300 significant
# digits rounded to odd (ROUND_05UP). A total is never computed from it, though: units x a rounded unit value
# can land just beside a rounding tie that the exact total sits on (1026 units of 0.01 USD / 21.6 = 0.475 EUR
# exactly, which half-even makes 0.48, came out 0.47), so totals are computed from the exact rational unit
# value (`exact_unit`) and rounded once (tests/valuation/test_rows_property.py checks against 500 digits).
UNIT_CONTEXT = Context(prec=300, rounding=ROUND_05UP)


def apply_fx(amount: Decimal, legs: tuple[Leg, ...], quotes: Mapping[str, PriceQuote]) -> Decimal:
    ctx = UNIT_CONTEXT
    for leg in legs:
        rate = quotes[leg.pair].price
        amount = ctx.divide(amount, rate) if leg.inverse else ctx.multiply(amount, rate)
    return amount


def leg_record(leg: Leg, quote: PriceQuote) -> dict[str, object]:
    """An FX leg as stored with the valuation: the raw answer (as text: it may pass 2**53) and its round."""
    return {
        "pair": leg.pair,
        "inverse": leg.inverse,
        "answer": str(quote.answer),
        "decimals": quote.decimals,
        "round_id": str(quote.round_id),
        "feed_address": quote.feed_address,
        "stale": quote.stale,
    }


def unit_value(
    price: Decimal, base_units: int, legs: tuple[Leg, ...], quotes: Mapping[str, PriceQuote]
) -> Decimal:
    """Value of one base unit in the target currency (price is for `base_units` base units): exact when the
    division terminates (a power of ten always does), else to 300 significant digits, rounded to odd."""
    return apply_fx(UNIT_CONTEXT.divide(price, Decimal(base_units)), legs, quotes)


def exact_unit(
    price: Decimal, base_units: int, legs: tuple[Leg, ...], quotes: Mapping[str, PriceQuote]
) -> Fraction:
    """The value of one base unit as an exact rational number (the Decimal `unit_value` may be rounded)."""
    value = Fraction(price) / base_units
    for leg in legs:
        rate = Fraction(quotes[leg.pair].price)
        value = value / rate if leg.inverse else value * rate
    return value


def round_half_even(value: Fraction, places: int) -> Decimal:
    """`value` rounded once, half-even, to `places` decimal places (exact integer arithmetic)."""
    scaled = value * 10**places
    quotient, remainder = divmod(scaled.numerator, scaled.denominator)
    twice = 2 * remainder
    if twice > scaled.denominator or (twice == scaled.denominator and quotient % 2 == 1):
        quotient += 1
    return Decimal(f"{quotient}E-{places}")  # exact at any length (scaleb rounds to 28 digits)


def amount_value(units: int, unit: Fraction, currency: str) -> Decimal:
    """The value of `units` base units, rounded half-even to the currency's minor units."""
    return round_half_even(units * unit, minor_units(currency))


class Totals:
    """`amount_value` for many rows, with each currency's minor units looked up once per round."""

    def __init__(self) -> None:
        self._places: dict[str, int] = {}

    def __call__(self, units: int, unit: Fraction, currency: str) -> Decimal:
        places = self._places.get(currency)
        if places is None:
            places = self._places[currency] = minor_units(currency)
        return round_half_even(units * unit, places)
