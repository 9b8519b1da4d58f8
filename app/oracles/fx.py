"""Currency arithmetic: conversion through an FX rate and rounding to a currency's ISO-4217 minor units.

Never float. ``convert`` is exact whenever the result terminates (always for a product); a quotient that
does not terminate (1 / 1.08) is rounded *to odd* (``ROUND_05UP``) with at least two digits more than any
amount we hold, which makes the one rounding that follows (``to_minor``, half-even) exactly the rounding
of the true quotient: no double-rounding error.
"""

from __future__ import annotations

from decimal import ROUND_05UP, ROUND_HALF_EVEN, Context, Decimal, localcontext

from app.oracles.errors import UnknownCurrency

# ISO 4217 minor units of the currencies we value in (metals such as XAU have none: they are priced, not paid)
MINOR_UNITS: dict[str, int] = {
    "USD": 2, "EUR": 2, "GBP": 2, "CHF": 2, "JPY": 0, "CAD": 2, "AUD": 2, "NZD": 2, "SGD": 2, "HKD": 2,
    "CNY": 2, "SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2, "HUF": 2, "ZAR": 2, "INR": 2, "BRL": 2,
    "MXN": 2, "AED": 2, "SAR": 2, "ILS": 2, "TRY": 2, "KRW": 0, "ISK": 0, "CLP": 0, "KWD": 3, "BHD": 3,
    "JOD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip
_MIN_PRECISION = 80  # significant digits of an inexact quotient, at the least


def minor_units(currency: str) -> int:
    try:
        return MINOR_UNITS[currency.upper()]
    except (KeyError, AttributeError):
        raise UnknownCurrency(str(currency)) from None


def convert(amount: Decimal, rate: Decimal, *, inverse: bool) -> Decimal:
    """``amount * rate``, or ``amount / rate`` when ``inverse`` (a USD amount into EUR through EUR/USD)."""
    if not isinstance(amount, Decimal) or not isinstance(rate, Decimal):
        raise TypeError("amounts and rates are Decimal, never float")
    if not rate.is_finite() or rate <= 0:
        raise ValueError(f"an FX rate must be a positive number, not {rate}")
    digits = len(amount.as_tuple().digits) + len(rate.as_tuple().digits)  # a product's, exactly
    whole = (amount.adjusted() - rate.adjusted() + 2) if amount else 0  # a quotient's integer digits, at most
    prec = max(_MIN_PRECISION, digits + 2, whole + max(MINOR_UNITS.values()) + 2)
    with localcontext(Context(prec=prec, rounding=ROUND_05UP)):
        return amount / rate if inverse else amount * rate


def to_minor(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half-even to ``currency``'s minor units (EUR 2 places, JPY none, KWD 3)."""
    exponent = Decimal(1).scaleb(-minor_units(currency))
    adjusted = amount.adjusted() if amount else 0
    with localcontext(Context(prec=max(_MIN_PRECISION, adjusted + 10))):
        return amount.quantize(exponent, rounding=ROUND_HALF_EVEN)
