"""One valuation round as data: the rules it covers, the pairs they depend on, and the history rows it
appends (built in plain Python, inserted with one executemany: no ORM object per row)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.oracles.base import FeedSpec, PriceQuote
from app.rwa.feeds.registry import quote_currency
from app.rwa.models import Asset
from app.rwa.repo import utcnow
from app.rwa.valuation.convert import Leg, Totals, exact_unit, fx_path, leg_record, unit_value
from app.rwa.valuation.fastinsert import insert_rows
from app.rwa.valuation.models import PricingRule, Valuation


@dataclass(frozen=True, slots=True)
class Rule:
    asset_id: int
    issued_units: int
    kind: str
    feed_pair: str | None
    base_units: int
    appraisal_amount: Decimal | None
    appraisal_currency: str | None
    currencies: tuple[str, ...]

    @property
    def price_currency(self) -> str:
        if self.feed_pair is None:
            assert self.appraisal_currency is not None
            return self.appraisal_currency
        return quote_currency(self.feed_pair)

    def only(self, currencies: frozenset[str]) -> Rule | None:
        """This rule narrowed to some of its currencies (None when none is left)."""
        if not currencies:
            return None
        if len(currencies) == len(self.currencies):
            return self
        return replace(self, currencies=tuple(c for c in self.currencies if c in currencies))

    def legs(self, pairs: Collection[str]) -> dict[str, tuple[Leg, ...] | None]:
        return {c: fx_path(self.price_currency, c, pairs) for c in self.currencies}


def load_rules(session: Session, asset_ids: Iterable[int] | None = None) -> list[Rule]:
    r, a = PricingRule.__table__.c, Asset.__table__.c
    stmt = select(
        r.asset_id, a.issued_units, r.kind, r.feed_pair, r.base_units,
        r.appraisal_amount, r.appraisal_currency, r.currencies,
    ).join(Asset.__table__, a.id == r.asset_id)  # fmt: skip
    if asset_ids is not None:
        stmt = stmt.where(r.asset_id.in_(list(asset_ids)))
    return [Rule(*row[:7], tuple(row[7])) for row in session.execute(stmt)]


def fallback_chain(spec: FeedSpec | None) -> list[str]:
    pairs = []
    while spec is not None:
        pairs.append(spec.pair)
        spec = spec.fallback
    return pairs


class Affected:
    """Which currencies of a rule the pairs in `changed` move (all, when None): its price feed (with its
    fallbacks) moves every currency, an FX leg only the currency it converts to. Memoized per rule shape:
    a round over 10,000 assets priced alike asks the same question 10,000 times."""

    def __init__(self, specs: Mapping[str, FeedSpec], changed: set[str] | None) -> None:
        self.specs, self.changed = specs, changed
        self._memo: dict[tuple[str | None, str, tuple[str, ...]], frozenset[str]] = {}

    def __call__(self, rule: Rule) -> frozenset[str]:
        key = (rule.feed_pair, rule.price_currency, rule.currencies)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = self._compute(rule)
        return hit

    def _compute(self, rule: Rule) -> frozenset[str]:
        changed = self.changed
        if changed is None:
            return frozenset(rule.currencies)
        if rule.feed_pair is not None and changed.intersection(
            fallback_chain(self.specs.get(rule.feed_pair))
        ):
            return frozenset(rule.currencies)
        legs = rule.legs(self.specs.keys())
        return frozenset(
            c for c, path in legs.items() if path and changed.intersection(leg.pair for leg in path)
        )


def needed_pairs(rules: Iterable[Rule], specs: Mapping[str, FeedSpec]) -> set[str]:
    """The pairs to read for these rules: their feeds (the reader walks fallbacks) and FX legs."""
    pairs: set[str] = set()
    seen: set[tuple[str | None, str, tuple[str, ...]]] = set()
    for rule in rules:
        key = (rule.feed_pair, rule.price_currency, rule.currencies)
        if key in seen:
            continue
        seen.add(key)
        if rule.feed_pair is not None:
            pairs.add(rule.feed_pair)
        for legs in rule.legs(specs.keys()).values():
            pairs.update(leg.pair for leg in legs or ())
    return pairs & specs.keys()


@dataclass(frozen=True, slots=True)
class Priced:
    """What assets priced alike share in one currency: the exact value of a base unit, and its sources."""

    unit: Decimal
    exact: Fraction  # what totals are computed from (`unit` may be rounded)
    fx: list[dict[str, object]]
    failed: list[str]
    stale: bool


def _priced(
    rule: Rule, currency: str, quotes: Mapping[str, PriceQuote], pairs: Collection[str]
) -> Priced | None:
    quote = quotes.get(rule.feed_pair) if rule.feed_pair is not None else None
    if rule.feed_pair is not None and quote is None:
        return None  # no answer and no last good one: nothing to value it with
    legs = fx_path(rule.price_currency, currency, pairs)
    if legs is None or any(leg.pair not in quotes for leg in legs):
        return None
    fx = [quotes[leg.pair] for leg in legs]
    price = quote.price if quote is not None else rule.appraisal_amount
    assert price is not None
    failed = [g.value for g in quote.failed] if quote is not None else []
    failed += [f"{q.pair}:{g.value}" for q in fx for g in q.failed]
    return Priced(
        unit=unit_value(price, rule.base_units, legs, quotes),
        exact=exact_unit(price, rule.base_units, legs, quotes),
        fx=[leg_record(leg, q) for leg, q in zip(legs, fx, strict=True)],
        failed=failed,
        stale=bool(quote and quote.stale) or any(q.stale for q in fx),
    )


def build_rows(
    rules: Iterable[Rule],
    quotes: Mapping[str, PriceQuote],
    pairs: Collection[str],
    *,
    block_number: int,
    block_time: datetime,
) -> list[dict[str, Any]]:
    """History rows for every (rule, currency) whose price and FX legs have a quote; a rule or currency
    without one is left out, the others go on. Rules priced alike share one `Priced` (and its lists)."""
    now, rows = utcnow(), []
    memo: dict[tuple[Any, ...], Priced | None] = {}
    totals = Totals()
    for rule in rules:
        quote = quotes.get(rule.feed_pair) if rule.feed_pair is not None else None
        for currency in rule.currencies:
            key = (rule.feed_pair, rule.appraisal_amount, rule.appraisal_currency, rule.base_units, currency)
            if key not in memo:
                memo[key] = _priced(rule, currency, quotes, pairs)
            priced = memo[key]
            if priced is None:
                continue
            rows.append({
                "asset_id": rule.asset_id, "currency": currency, "block_number": block_number,
                "block_time": block_time, "kind": rule.kind, "feed_pair": rule.feed_pair,
                "feed_address": quote.feed_address if quote else None,
                "answer": quote.answer if quote else None,
                "decimals": quote.decimals if quote else None, "round_id": quote.round_id if quote else None,
                "answer_updated_at": quote.updated_at if quote else None, "fx": priced.fx,
                "source": quote.source.value if quote else "appraisal", "stale": priced.stale,
                "failed": priced.failed, "unit_value": priced.unit, "issued_units": rule.issued_units,
                "total_value": totals(rule.issued_units, priced.exact, currency), "created_at": now,
            })  # fmt: skip
    return rows


def store(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_rows(session, Valuation.__table__, rows)
