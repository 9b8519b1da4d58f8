"""One valuation round as data: the rules it covers, the pairs they depend on, and the history rows it
appends (built in plain Python, inserted with one executemany: no ORM object per row)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from app.oracles.base import FeedSpec, PriceQuote
from app.rwa.models import Asset
from app.rwa.repo import utcnow
from app.rwa.valuation.convert import Leg, amount_value, fx_path, leg_record, unit_value
from app.rwa.valuation.feeds import quote_currency
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


def affected(rule: Rule, specs: Mapping[str, FeedSpec], changed: set[str] | None) -> frozenset[str]:
    """The currencies of this rule that pairs in `changed` move (all of them, when None): its price feed
    (with its fallbacks) moves every currency, an FX leg only the currency it converts to."""
    if changed is None:
        return frozenset(rule.currencies)
    if rule.feed_pair is not None and changed.intersection(fallback_chain(specs.get(rule.feed_pair))):
        return frozenset(rule.currencies)
    legs = rule.legs(specs.keys())
    return frozenset(c for c, path in legs.items() if path and changed.intersection(leg.pair for leg in path))


def needed_pairs(rules: Iterable[Rule], specs: Mapping[str, FeedSpec]) -> set[str]:
    """The pairs to read for these rules: their feeds (the reader walks fallbacks) and FX legs."""
    pairs: set[str] = set()
    for rule in rules:
        if rule.feed_pair is not None:
            pairs.add(rule.feed_pair)
        for currency, legs in rule.legs(specs.keys()).items():
            if currency in rule.currencies:
                pairs.update(leg.pair for leg in legs or ())
    return pairs & specs.keys()


def build_rows(
    rules: Iterable[Rule],
    quotes: Mapping[str, PriceQuote],
    pairs: Collection[str],
    *,
    block_number: int,
    block_time: datetime,
) -> list[dict[str, Any]]:
    """History rows for every (rule, currency) whose price and FX legs have a quote; a rule or currency
    without one is left out (nothing to value it with), the others go on."""
    now, rows = utcnow(), []
    for rule in rules:
        quote = quotes.get(rule.feed_pair) if rule.feed_pair is not None else None
        if rule.feed_pair is not None and quote is None:
            continue
        price = quote.price if quote is not None else rule.appraisal_amount
        assert price is not None
        for currency, legs in rule.legs(pairs).items():
            if legs is None or any(leg.pair not in quotes for leg in legs):
                continue
            fx = [quotes[leg.pair] for leg in legs]
            unit = unit_value(price, rule.base_units, legs, quotes)
            failed = [g.value for g in quote.failed] if quote is not None else []
            failed += [f"{q.pair}:{g.value}" for q in fx for g in q.failed]
            rows.append(
                {
                    "asset_id": rule.asset_id,
                    "currency": currency,
                    "block_number": block_number,
                    "block_time": block_time,
                    "kind": rule.kind,
                    "feed_pair": rule.feed_pair,
                    "feed_address": quote.feed_address if quote else None,
                    "answer": quote.answer if quote else None,
                    "decimals": quote.decimals if quote else None,
                    "round_id": quote.round_id if quote else None,
                    "answer_updated_at": quote.updated_at if quote else None,
                    "fx": [leg_record(leg, q) for leg, q in zip(legs, fx, strict=True)],
                    "source": quote.source.value if quote else "appraisal",
                    "stale": bool(quote and quote.stale) or any(q.stale for q in fx),
                    "failed": failed,
                    "unit_value": unit,
                    "issued_units": rule.issued_units,
                    "total_value": amount_value(rule.issued_units, unit, currency),
                    "created_at": now,
                }
            )
    return rows


def store(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(cast(Table, Valuation.__table__)), rows)  # Core executemany
