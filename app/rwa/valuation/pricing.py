"""Pricing rules: how an asset is valued, and in which currencies it is reported.

kind "units":     a feed price (XAU/USD) is the price of `base_units` base units (10**18 = one troy ounce)
kind "nav":       a NAV feed (FUND1-NAV/USD) gives the net asset value of `base_units` base units (one share)
kind "appraisal": a fixed amount in a currency, appraised on a date, for `base_units` base units
Every reporting currency must be ISO-4217 and reachable from the price's currency through registered FX
feeds (directly or through USD). Setting a rule is audited in the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.oracles import errors as oracle_errors
from app.oracles.fx import minor_units
from app.rwa.audit import log as audit
from app.rwa.feeds.models import Feed
from app.rwa.feeds.registry import get_feed
from app.rwa.repo import asset_by_symbol, utcnow
from app.rwa.valuation.errors import InvalidPricing, NoFxPath, PricingNotFound, UnknownCurrency
from app.rwa.valuation.models import PricingRule
from app.rwa.valuation.rounds import Rule, store

ValueNow = Callable[[Session, Rule], list[dict[str, Any]]]

KINDS = ("units", "nav", "appraisal")


@dataclass(frozen=True, slots=True)
class PricingInput:
    kind: str
    currencies: tuple[str, ...]
    base_units: int = 1
    feed_pair: str | None = None
    appraisal_amount: Decimal | None = None
    appraisal_currency: str | None = None
    appraised_at: datetime | None = None


def check_currency(currency: str) -> str:
    try:
        minor_units(currency)
    except oracle_errors.UnknownCurrency:
        raise UnknownCurrency(currency) from None
    return currency.upper()


def _check(session: Session, data: PricingInput) -> None:
    if data.kind not in KINDS:
        raise InvalidPricing(f"kind must be one of {', '.join(KINDS)}")
    if isinstance(data.base_units, bool) or not isinstance(data.base_units, int) or data.base_units <= 0:
        raise InvalidPricing("base_units (base units per priced unit) must be a positive integer")
    appraisal = (data.appraisal_amount, data.appraisal_currency, data.appraised_at)
    if data.kind == "appraisal":
        amount = data.appraisal_amount
        if amount is None or not amount.is_finite() or amount <= 0 or None in appraisal:
            raise InvalidPricing("an appraisal needs a positive amount, its currency and appraised_at")
        if data.feed_pair is not None:
            raise InvalidPricing("an appraisal takes no feed_pair")
        assert data.appraised_at is not None and data.appraisal_currency is not None
        if data.appraised_at > utcnow():
            raise InvalidPricing("appraised_at lies in the future")
        check_currency(data.appraisal_currency)
    else:
        if data.feed_pair is None:
            raise InvalidPricing(f"a {data.kind} rule needs a feed_pair")
        if any(v is not None for v in appraisal):
            raise InvalidPricing(f"a {data.kind} rule takes no appraisal fields")
        get_feed(session, data.feed_pair)  # FeedNotFound: 404
    if not data.currencies:
        raise InvalidPricing("name at least one currency to report in")


def set_rule(
    session: Session, *, actor: str, symbol: str, data: PricingInput, value: ValueNow | None = None
) -> PricingRule:
    """Validate, let `value` price the rule at the chain's head, then write rule, audit entry and first
    valuations. Every read (the chain's included) comes before the first write: on SQLite a write takes the
    database lock, which the miner needs to commit a block."""
    asset = asset_by_symbol(session, symbol)
    _check(session, data)
    currencies = tuple(dict.fromkeys(check_currency(c) for c in data.currencies))
    appraisal_currency = check_currency(data.appraisal_currency) if data.appraisal_currency else None
    draft = Rule(asset.id, asset.issued_units, data.kind, data.feed_pair, data.base_units,
                 data.appraisal_amount, appraisal_currency, currencies)  # fmt: skip
    pairs = set(session.scalars(select(Feed.pair)))
    for currency, legs in draft.legs(pairs).items():
        if legs is None:
            raise NoFxPath(f"no registered FX feed converts {draft.price_currency} to {currency}")
    rows = value(session, draft) if value is not None else []
    rule = session.get(PricingRule, asset.id) or PricingRule(asset_id=asset.id)
    rule.kind, rule.feed_pair, rule.base_units = data.kind, data.feed_pair, data.base_units
    rule.appraisal_amount, rule.appraisal_currency = data.appraisal_amount, appraisal_currency
    rule.appraised_at, rule.currencies, rule.updated_at = data.appraised_at, list(currencies), utcnow()
    session.add(rule)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="pricing.set",
        subject=f"asset:{asset.id}",
        payload=payload(rule),
        asset=symbol,
    )
    store(session, rows)
    return rule


def payload(rule: PricingRule) -> dict[str, Any]:
    return {c.name: getattr(rule, c.name) for c in PricingRule.__table__.columns}


def get_rule(session: Session, symbol: str) -> PricingRule:
    asset = asset_by_symbol(session, symbol)
    rule = session.get(PricingRule, asset.id)
    if rule is None:
        raise PricingNotFound(symbol)
    return rule
