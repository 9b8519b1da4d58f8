"""Collateral ratio maths, exact: Decimal only, and the state decided without dividing.

ratio = units x value_per_unit / debt. The state compares `units x value` with `threshold x debt`, both
exact products, so a ratio exactly at a threshold is on the threshold's safe side (>= warning is healthy,
>= liquidation is warning) whatever rounding the displayed ratio gets."""

from __future__ import annotations

import enum
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

PLACES = Decimal(1).scaleb(-18)  # stored ratios and values carry 18 decimal places, rounded half-even


class State(enum.StrEnum):
    UNPRICED = "unpriced"  # no valuation in the debt's currency yet
    HEALTHY = "healthy"
    WARNING = "warning"
    LIQUIDATION = "liquidation"


def collateral_value(units: int, value_per_unit: Decimal) -> Decimal:
    """Exact: an int times a Decimal needs only enough precision for the digits, which we give it."""
    with localcontext() as ctx:
        ctx.prec = 200
        return Decimal(units) * value_per_unit


def collateral_ratio(units: int, value_per_unit: Decimal, debt: Decimal) -> Decimal:
    """The ratio rounded half-even to 18 decimal places (for display and storage)."""
    with localcontext() as ctx:
        ctx.prec = 200
        return (collateral_value(units, value_per_unit) / debt).quantize(PLACES, rounding=ROUND_HALF_EVEN)


def classify(
    units: int, value_per_unit: Decimal, debt: Decimal, *, warning: Decimal, liquidation: Decimal
) -> State:
    with localcontext() as ctx:
        ctx.prec = 200
        value = collateral_value(units, value_per_unit)
        if value >= warning * debt:
            return State.HEALTHY
        if value >= liquidation * debt:
            return State.WARNING
        return State.LIQUIDATION


def round_value(value: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 200
        return value.quantize(PLACES, rounding=ROUND_HALF_EVEN)
