"""Pure valuation arithmetic: FX paths between currencies through registered pairs, and the value of one
base unit and of a holding. Exact Decimal throughout (`app.oracles.fx`); money is rounded once, at the end,
to the currency's ISO-4217 minor units, half-even."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import ROUND_05UP, ROUND_HALF_EVEN, Context, Decimal

from app.oracles.base import PriceQuote
from app.oracles.fx import convert, minor_units, to_minor

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


# A unit value is multiplied by up to 2**256 units (78 digits) before the total is rounded to cents, so it
# needs far more significant digits than one amount does: 300, rounded to odd (ROUND_05UP) where a quotient
# does not terminate. Its error (< 1e-220 relative) then stays far below the distance of any true total from
# a rounding tie, and a product of it never lands exactly on one: the total rounds as the exact value would
# (tests/valuation/test_rows_property.py checks it against 500-digit arithmetic).
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


def amount_value(units: int, unit: Decimal, currency: str) -> Decimal:
    """The value of `units` base units, rounded half-even to the currency's minor units."""
    return to_minor(convert(Decimal(units), unit, inverse=False), currency)


class Totals:
    """`amount_value` for many rows: one wide decimal context for the whole round instead of one per row.
    The product is exact (the context holds more digits than any units x unit value), then it is rounded
    once, half-even, to the currency's minor units: the same result as `amount_value`."""

    def __init__(self) -> None:
        self._ctx = Context(prec=500, rounding=ROUND_HALF_EVEN)  # 78 + 300 digits and more: exact
        self._exp: dict[str, Decimal] = {}

    def __call__(self, units: int, unit: Decimal, currency: str) -> Decimal:
        exp = self._exp.get(currency)
        if exp is None:
            exp = self._exp[currency] = Decimal(1).scaleb(-minor_units(currency))
        ctx = self._ctx
        return ctx.multiply(Decimal(units), unit).quantize(exp, context=ctx)
