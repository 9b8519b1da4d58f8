"""Reads of the valuation history: the value of a base unit (for collateral), the valuation current at a
block or a moment (even after later updates), the history, and an identity's portfolio.

"Current at" means: the newest valuation appended at or before that block (or whose block time is at or
before that moment). Amounts are exact Decimal; totals are rounded once, half-even, to the currency's
ISO-4217 minor units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Context, Decimal, localcontext

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.evm.storage.models import BlockRow
from app.oracles.fx import convert, to_minor
from app.rwa.models import Asset, Holding
from app.rwa.valuation.errors import BeforeAsset, InvalidAsOf, NoValuation
from app.rwa.valuation.models import Valuation
from app.rwa.valuation.pricing import check_currency


@dataclass(frozen=True, slots=True)
class UnitValue:
    value: Decimal  # one base unit, in the currency asked for
    stale: bool
    block_number: int
    valuation_id: int


@dataclass(frozen=True, slots=True)
class AsOf:
    block: int | None = None
    at: datetime | None = None


def parse_as_of(at: str | None, block: str | None) -> AsOf:
    """`at` (ISO-8601 with an offset) or `block` (a number), never both; InvalidAsOf otherwise."""
    if at is not None and block is not None:
        raise InvalidAsOf("give either at or block, not both")
    if block is not None:
        if not block.isdigit() or len(block) > 18:
            raise InvalidAsOf(f"block must be a non-negative block number, not {block!r}")
        return AsOf(block=int(block))
    if at is not None:
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            raise InvalidAsOf(f"at must be an ISO-8601 time with an offset, not {at!r}") from None
        if moment.tzinfo is None:
            raise InvalidAsOf(f"at {at!r} has no UTC offset (add Z or +00:00)")
        return AsOf(at=moment.astimezone(UTC))
    return AsOf()


def _check_against(session: Session, asset: Asset, as_of: AsOf) -> None:
    moment = as_of.at
    if as_of.block is not None:
        stamp = session.scalar(select(BlockRow.timestamp).where(BlockRow.number == as_of.block))
        if stamp is None:
            raise InvalidAsOf(f"block {as_of.block} has not been mined")
        moment = datetime.fromtimestamp(stamp, UTC)
    if moment is None:
        return
    # no "future" check: block times may run ahead of the wall clock (each block is at least its parent + 1 s)
    # block times are whole seconds: a block of the second the asset was created may still hold it
    if moment < asset.created_at.replace(microsecond=0):
        raise BeforeAsset(f"{asset.symbol} did not exist at {moment.isoformat()}")


def latest(session: Session, asset_id: int, currency: str, as_of: AsOf = AsOf()) -> Valuation | None:
    stmt = select(Valuation).where(Valuation.asset_id == asset_id, Valuation.currency == currency)
    if as_of.block is not None:
        stmt = stmt.where(Valuation.block_number <= as_of.block)
        stmt = stmt.order_by(Valuation.block_number.desc(), Valuation.id.desc())
    elif as_of.at is not None:
        stmt = stmt.where(Valuation.block_time <= as_of.at)
        stmt = stmt.order_by(Valuation.block_time.desc(), Valuation.id.desc())
    else:  # the current value: the last one appended
        stmt = stmt.order_by(Valuation.id.desc())
    return session.scalars(stmt.limit(1)).first()


def value_per_unit(
    session: Session, asset_id: int, currency: str, *, block: int | None = None
) -> UnitValue | None:
    v = latest(session, asset_id, currency, AsOf(block=block))
    return None if v is None else UnitValue(v.unit_value, v.stale, v.block_number, v.id)


def valuation_of(session: Session, asset: Asset, currency: str, as_of: AsOf) -> Valuation:
    currency = check_currency(currency)
    _check_against(session, asset, as_of)
    v = latest(session, asset.id, currency, as_of)
    if v is None:
        raise NoValuation(f"{asset.symbol} in {currency}")
    return v


def history(
    session: Session,
    asset: Asset,
    currency: str,
    *,
    start: datetime | None,
    end: datetime | None,
    after: int,
    limit: int,
) -> list[Valuation]:
    """Valuations in order of appending, from `start` to `end` (block times, inclusive), after id `after`."""
    stmt = select(Valuation).where(
        Valuation.asset_id == asset.id, Valuation.currency == check_currency(currency), Valuation.id > after
    )
    if start is not None:
        stmt = stmt.where(Valuation.block_time >= start)
    if end is not None:
        stmt = stmt.where(Valuation.block_time <= end)
    return list(session.scalars(stmt.order_by(Valuation.id).limit(limit)))


@dataclass(frozen=True, slots=True)
class Line:
    asset: Asset
    units: int
    valuation: Valuation | None
    value: Decimal | None  # rounded to minor units; None: not valued in that currency


def portfolio(session: Session, identity_id: int, currency: str, asset_ids: set[int] | None) -> list[Line]:
    """An identity's units per asset (over its wallets) at the latest valuation; `asset_ids` limits it."""
    currency = check_currency(currency)
    units: dict[int, int] = {}
    for asset_id, balance in session.execute(
        select(Holding.asset_id, Holding.balance).where(Holding.identity_id == identity_id)
    ):
        if asset_ids is None or asset_id in asset_ids:
            units[asset_id] = units.get(asset_id, 0) + balance
    lines = []
    for asset_id, held in sorted(units.items()):
        if not held:
            continue
        v = latest(session, asset_id, currency)
        value = None if v is None else to_minor(convert(Decimal(held), v.unit_value, inverse=False), currency)
        lines.append(Line(session.get_one(Asset, asset_id), held, v, value))
    return lines


def total(lines: list[Line], currency: str) -> Decimal:
    """The exact sum of the lines' values (wide enough never to round), then rounded once."""
    with localcontext(Context(prec=1000)):
        exact = sum(
            (convert(Decimal(x.units), x.valuation.unit_value, inverse=False) for x in lines if x.valuation),
            Decimal(0),
        )
    return to_minor(exact, currency)
