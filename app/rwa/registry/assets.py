"""Issuers and assets: registration, the status machine, and each asset's compliance rules."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.rwa.audit import log as audit
from app.rwa.domain import MAX_UNITS, SYMBOL_RE, TRANSITIONS, AssetClass, AssetStatus, InvestorCategory
from app.rwa.errors import (
    AlreadyExists,
    InvalidInput,
    InvalidStatusTransition,
    InvalidUnits,
)
from app.rwa.models import Asset, ComplianceRules, Holding, Issuer, Wallet
from app.rwa.registry import iso
from app.rwa.repo import asset_by_symbol, begin_write, issuer_by_id, utcnow


@dataclass(frozen=True, slots=True)
class RulesInput:
    """The compliance modules of an asset; None switches a module off."""

    allowed_countries: list[int] | None = None
    denied_countries: list[int] | None = None
    allowed_categories: list[str] | None = None
    max_holders: int | None = None
    max_balance: int | None = None
    min_transfer: int | None = None
    lockup_until: datetime | None = None

    def validated(self) -> RulesInput:
        for code in (self.allowed_countries or []) + (self.denied_countries or []):
            _country(code)
        for cat in self.allowed_categories or []:
            if cat not in InvestorCategory.__members__.values():
                raise InvalidInput(f"unknown investor category {cat!r}")
        for units in (self.max_balance, self.min_transfer):
            if units is not None:
                _units(units)
        if self.max_holders is not None and (isinstance(self.max_holders, bool) or self.max_holders < 1):
            raise InvalidInput("max_holders must be a positive integer")
        if self.lockup_until is not None and self.lockup_until.tzinfo is None:
            raise InvalidInput("lockup_until must carry a time zone")
        return self


def _country(code: int) -> int:
    if isinstance(code, bool) or not isinstance(code, int) or not iso.is_country(code):
        raise InvalidInput(f"{code!r} is not an ISO 3166-1 numeric country code")
    return code


def _units(value: object, *, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < (0 if allow_zero else 1):
        raise InvalidUnits(value)
    if value > MAX_UNITS:
        raise InvalidInput(f"units above 2**256 - 1: {value}")
    return value


def create_issuer(session: Session, *, actor: str, name: str, country: int, lei: str | None = None) -> Issuer:
    _country(country)
    begin_write(session)
    if session.scalar(select(Issuer.id).where(Issuer.name == name)) is not None:
        raise AlreadyExists(f"issuer {name!r} already exists")
    issuer = Issuer(name=name, country=country, lei=lei, created_at=utcnow())
    session.add(issuer)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="issuer.create",
        subject=f"issuer:{issuer.id}",
        payload={"name": name, "country": country, "lei": lei},
    )
    return issuer


def create_asset(
    session: Session,
    *,
    actor: str,
    issuer_id: int,
    symbol: str,
    name: str,
    asset_class: str,
    jurisdiction: str,
    currency: str,
    decimals: int = 0,
    max_units: int | None = None,
    rules: RulesInput | None = None,
) -> Asset:
    if not SYMBOL_RE.match(symbol):
        raise InvalidInput(f"symbol {symbol!r}: 1-16 of A-Z, 0-9, '.', '-', starting with a letter or digit")
    if asset_class not in AssetClass.__members__.values():
        raise InvalidInput(f"unknown asset class {asset_class!r}")
    if currency not in iso.CURRENCIES:
        raise InvalidInput(f"{currency!r} is not an ISO 4217 currency code")
    if not 0 <= decimals <= 36:
        raise InvalidInput("decimals must be between 0 and 36")
    if max_units is not None:
        _units(max_units)
    rules = (rules or RulesInput()).validated()
    begin_write(session)
    issuer = issuer_by_id(session, issuer_id)
    if session.scalar(select(Asset.id).where(Asset.symbol == symbol)) is not None:
        raise AlreadyExists(f"asset {symbol} already exists")
    asset = Asset(
        symbol=symbol,
        name=name,
        asset_class=asset_class,
        issuer_id=issuer.id,
        jurisdiction=jurisdiction,
        currency=currency,
        decimals=decimals,
        max_units=max_units,
        issued_units=0,
        status=AssetStatus.DRAFT.value,
        created_at=utcnow(),
    )
    session.add(asset)
    session.flush()
    session.add(ComplianceRules(asset_id=asset.id, **asdict(rules)))
    session.flush()
    session.refresh(asset)
    audit.record(
        session,
        actor=actor,
        action="asset.create",
        subject=f"asset:{symbol}",
        payload={
            "symbol": symbol,
            "name": name,
            "asset_class": asset_class,
            "issuer": issuer.name,
            "jurisdiction": jurisdiction,
            "currency": currency,
            "decimals": decimals,
            "max_units": None if max_units is None else str(max_units),
            "rules": rules_payload(rules),
        },
    )
    return asset


def rules_payload(rules: RulesInput) -> dict[str, object]:
    out: dict[str, object] = asdict(rules)
    for key in ("max_balance", "min_transfer"):
        if out[key] is not None:
            out[key] = str(out[key])
    return out


def set_status(session: Session, *, actor: str, symbol: str, status: str) -> Asset:
    try:
        target = AssetStatus(status)
    except ValueError:
        raise InvalidInput(f"unknown status {status!r}") from None
    begin_write(session)
    asset = asset_by_symbol(session, symbol, lock=True)
    current = AssetStatus(asset.status)
    if target not in TRANSITIONS[current]:
        raise InvalidStatusTransition(f"asset {symbol} cannot go from {current} to {target}")
    if target is AssetStatus.REDEEMED and asset.issued_units != 0:
        raise InvalidStatusTransition(f"asset {symbol} still has {asset.issued_units} units outstanding")
    asset.status = target.value
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="asset.status",
        subject=f"asset:{symbol}",
        payload={"from": current.value, "to": target.value},
    )
    return asset


def set_rules(session: Session, *, actor: str, symbol: str, rules: RulesInput) -> Asset:
    """Replace every compliance module of the asset at once."""
    rules = rules.validated()
    begin_write(session)
    asset = asset_by_symbol(session, symbol, lock=True)
    row = session.get(ComplianceRules, asset.id) or ComplianceRules(asset_id=asset.id)
    for key, value in asdict(rules).items():
        setattr(row, key, value)
    session.add(row)
    session.flush()
    audit.record(
        session, actor=actor, action="asset.rules", subject=f"asset:{symbol}", payload=rules_payload(rules)
    )
    return asset


def list_issuers(session: Session) -> list[Issuer]:
    return list(session.scalars(select(Issuer).order_by(Issuer.id)))


def list_assets(session: Session, issuer_id: int | None = None) -> list[Asset]:
    stmt = select(Asset).order_by(Asset.id)
    if issuer_id is not None:
        stmt = stmt.where(Asset.issuer_id == issuer_id)
    return list(session.scalars(stmt).unique())


@dataclass(frozen=True, slots=True)
class Position:
    asset: str
    wallet: str
    identity_id: int
    balance: int
    frozen_units: int
    frozen: bool


def positions(
    session: Session, *, symbol: str | None = None, identity_id: int | None = None
) -> list[Position]:
    """Holdings with a balance, frozen units or a freeze: an asset's register, or an identity's portfolio."""
    stmt = (
        select(Holding, Wallet.address, Asset.symbol)
        .join(Wallet, Wallet.id == Holding.wallet_id)
        .join(Asset, Asset.id == Holding.asset_id)
        .order_by(Holding.asset_id, Holding.wallet_id)
    )
    if symbol is not None:
        stmt = stmt.where(Holding.asset_id == asset_by_symbol(session, symbol).id)
    if identity_id is not None:
        stmt = stmt.where(Holding.identity_id == identity_id)
    return [
        Position(sym, address, h.identity_id, h.balance, h.frozen_units, h.frozen)
        for h, address, sym in session.execute(stmt)
        if h.balance or h.frozen_units or h.frozen
    ]
