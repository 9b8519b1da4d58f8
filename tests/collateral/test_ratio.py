"""Ratio maths: exact Decimal, the state decided without rounding (checked against Fraction arithmetic)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from app.rwa.collateral.ratio import State, classify, collateral_ratio, collateral_value

amounts = st.decimals(min_value=Decimal("0.000000000000000001"), max_value=Decimal(10**12), places=18)
ratios = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100), places=4)


def test_exact_where_binary_floats_are_not():
    # 3 x 0.1 / 0.2 is 1.5000000000000004 in floats
    assert collateral_ratio(3, Decimal("0.1"), Decimal("0.2")) == Decimal("1.5")
    assert (
        classify(3, Decimal("0.1"), Decimal("0.2"), warning=Decimal("1.5"), liquidation=Decimal("1.2"))
        is State.HEALTHY
    )


def test_big_units_tiny_unit_values_keep_every_digit():
    units = 10**18 + 1  # one token of 18 decimals and one base unit
    value = Decimal("0.000000000000000001234567891")  # per base unit
    assert collateral_value(units, value) == Decimal("1.234567891000000001234567891")
    assert collateral_ratio(units, value, Decimal("1")) == Decimal(
        "1.234567891000000001"
    )  # 18 places, half-even


def test_a_ratio_at_a_threshold_is_on_its_safe_side():
    kw = {"warning": Decimal("1.5"), "liquidation": Decimal("1.2")}
    assert classify(150, Decimal(1), Decimal(100), **kw) is State.HEALTHY
    assert classify(149, Decimal(1), Decimal(100), **kw) is State.WARNING
    assert classify(120, Decimal(1), Decimal(100), **kw) is State.WARNING
    assert classify(119, Decimal(1), Decimal(100), **kw) is State.LIQUIDATION


@given(st.integers(1, 10**30), amounts, amounts, ratios, ratios)
def test_state_and_ratio_agree_with_exact_rational_arithmetic(units, value, debt, a, b):
    warning, liquidation = max(a, b), min(a, b)
    exact = Fraction(units) * Fraction(value) / Fraction(debt)
    expected = (
        State.HEALTHY
        if exact >= Fraction(warning)
        else State.WARNING
        if exact >= Fraction(liquidation)
        else State.LIQUIDATION
    )
    assert classify(units, value, debt, warning=warning, liquidation=liquidation) is expected
    ratio = collateral_ratio(units, value, debt)
    assert abs(Fraction(ratio) - exact) <= Fraction(1, 2 * 10**18)  # rounded to 18 places, no further
