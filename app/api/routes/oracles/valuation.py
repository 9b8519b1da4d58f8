"""Pricing rules and valuations: how an asset is priced, its value as of a block or a moment, its history,
and an identity's portfolio.

Amounts are decimal strings. `unit_value` is the exact value of one base unit; `value` (and a portfolio's
totals) are rounded once to the currency's ISO-4217 minor units with ROUND_HALF_EVEN (banker's rounding:
EUR 0.125 -> 0.12, 0.135 -> 0.14; JPY to whole yen). Cross rates go through USD; each FX leg used is shown."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import StringConstraints

from app.api.deps import PrincipalDep, SessionDep, allow
from app.api.schemas.registry import Cursor, Id, In, Units, UtcDatetime
from app.rwa.domain import Role
from app.rwa.registry import identities
from app.rwa.registry.access import Permission
from app.rwa.repo import asset_by_symbol
from app.rwa.valuation import pricing, query
from app.rwa.valuation.models import PricingRule, Valuation

router = APIRouter(tags=["valuation"])
ROUNDING = "ROUND_HALF_EVEN to the currency's ISO-4217 minor units"
Money = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,40}(\.[0-9]{1,40})?$")]
Currency = Annotated[str, StringConstraints(min_length=1, max_length=8)]


class PricingIn(In):
    kind: str
    currencies: list[Currency]
    base_units: Units = 1
    feed_pair: str | None = None
    appraisal_amount: Money | None = None
    appraisal_currency: Currency | None = None
    appraised_at: UtcDatetime | None = None


def _rule_json(symbol: str, rule: PricingRule) -> dict[str, Any]:
    return {
        "asset": symbol,
        "kind": rule.kind,
        "feed_pair": rule.feed_pair,
        "base_units": str(rule.base_units),
        "appraisal_amount": None if rule.appraisal_amount is None else str(rule.appraisal_amount),
        "appraisal_currency": rule.appraisal_currency,
        "appraised_at": rule.appraised_at.isoformat() if rule.appraised_at else None,
        "currencies": rule.currencies,
        "updated_at": rule.updated_at.isoformat(),
    }


def valuation_json(symbol: str, v: Valuation) -> dict[str, Any]:
    feed = None
    if v.feed_pair is not None:
        feed = {
            "pair": v.feed_pair,
            "address": v.feed_address,
            "answer": None if v.answer is None else str(v.answer),
            "decimals": v.decimals,
            "round_id": None if v.round_id is None else str(v.round_id),
            "updated_at": v.answer_updated_at.isoformat() if v.answer_updated_at else None,
        }
    return {
        "id": v.id,
        "asset": symbol,
        "currency": v.currency,
        "value": str(v.total_value),
        "unit_value": str(v.unit_value),
        "issued_units": str(v.issued_units),
        "rounding": ROUNDING,
        "block_number": v.block_number,
        "block_time": v.block_time.isoformat(),
        "kind": v.kind,
        "source": v.source,
        "stale": v.stale,
        "failed": v.failed,
        "feed": feed,
        "fx": v.fx,
    }


@router.put("/assets/{symbol}/pricing", dependencies=allow(Permission.VALUATION_WRITE))
def set_pricing(
    symbol: str, body: PricingIn, request: Request, session: SessionDep, who: PrincipalDep
) -> dict[str, Any]:
    """Set the asset's pricing rule; it is valued at once at the chain's head (then on every feed update)."""
    data = pricing.PricingInput(
        **body.model_dump(exclude={"appraisal_amount", "currencies"}),
        currencies=tuple(body.currencies),
        appraisal_amount=None if body.appraisal_amount is None else Decimal(body.appraisal_amount),
    )
    engine = getattr(request.app.state, "valuation", None)
    value = None if engine is None else engine.value_now
    rule = pricing.set_rule(session, actor=who.actor, symbol=symbol, data=data, value=value)
    return _rule_json(symbol, rule)


@router.get("/assets/{symbol}/pricing", dependencies=allow(Permission.VALUATION_READ))
def get_pricing(symbol: str, session: SessionDep) -> dict[str, Any]:
    return _rule_json(symbol, pricing.get_rule(session, symbol))


@router.get("/assets/{symbol}/valuation", dependencies=allow(Permission.VALUATION_READ))
def get_valuation(
    symbol: str,
    session: SessionDep,
    currency: Currency = "USD",
    at: str | None = Query(None, description="ISO-8601 time with offset: the value current then"),
    block: str | None = Query(None, description="a block number: the value current at that block"),
) -> dict[str, Any]:
    """The valuation current at `at` or `block` (else the latest): `value` is the issued units' value rounded
    once ROUND_HALF_EVEN to the currency's ISO-4217 minor units; `unit_value` is one base unit, exact."""
    as_of = query.parse_as_of(at, block)
    asset = asset_by_symbol(session, symbol)
    return valuation_json(symbol, query.valuation_of(session, asset, currency, as_of))


@router.get("/assets/{symbol}/valuations", dependencies=allow(Permission.VALUATION_READ))
def list_valuations(
    symbol: str,
    session: SessionDep,
    currency: Currency = "USD",
    start: UtcDatetime | None = Query(None, alias="from"),
    end: UtcDatetime | None = Query(None, alias="to"),
    after: Cursor = 0,
    limit: int = Query(100, ge=1, le=1000),
) -> dict[str, Any]:
    """History in the order it was appended; pass `next` back as `after` for the following page."""
    asset = asset_by_symbol(session, symbol)
    rows = query.history(session, asset, currency, start=start, end=end, after=after, limit=limit)
    items = [valuation_json(symbol, v) for v in rows]
    return {"items": items, "next": rows[-1].id if len(rows) == limit else None}


@router.get("/identities/{identity_id}/portfolio", dependencies=allow(Permission.IDENTITY_OWN))
def portfolio(identity_id: Id, session: SessionDep, who: PrincipalDep, currency: Currency = "USD") -> object:
    """The identity's units per asset at the latest valuation (an investor sees its own; others the assets
    whose ledger they may read)."""
    who.require_identity(identity_id)
    identities.get_identity(session, identity_id)
    lines = query.portfolio(session, identity_id, currency, None)
    if who.role is not Role.INVESTOR:
        lines = [x for x in lines if who.can(Permission.LEDGER_READ, x.asset)]
    return {
        "identity_id": identity_id,
        "currency": currency.upper(),
        "rounding": ROUNDING,
        "total": str(query.total(lines, currency.upper())),
        "positions": [
            {
                "asset": x.asset.symbol,
                "units": str(x.units),
                "value": None if x.value is None else str(x.value),
                "unit_value": None if x.valuation is None else str(x.valuation.unit_value),
                "stale": None if x.valuation is None else x.valuation.stale,
                "block_number": None if x.valuation is None else x.valuation.block_number,
                "valuation_id": None if x.valuation is None else x.valuation.id,
            }
            for x in lines
        ],
    }


__all__ = ["router", "valuation_json"]
