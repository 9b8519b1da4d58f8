"""The one loader behind `can-transfer`, transfers (single and batched), issues and forced transfers.

`open_book` reads what the compliance rules look at for a set of wallets of one asset; `Book.view`
builds the rules' input for one movement and `Book.apply` keeps the book current after it, so a batch
evaluates each transfer exactly as if it ran alone after the ones before it.

With `lock=True` it takes the locks a movement needs, always in the same order so that concurrent
movements cannot deadlock:

  1. SQLite: the database write lock (`begin_write`); PostgreSQL: missing receiver holding rows are
     created (INSERT ... ON CONFLICT DO NOTHING) before any lock is held
  2. the asset row, when the supply changes (issue) or the holder count matters (max_holders)
  3. the receivers' identity rows in id order, when the balance per holder is capped (max_balance)
  4. the holding rows, in wallet id order (SELECT ... FOR UPDATE)

With `lock=False` (the pre-check) it reads the same rows without locking and writes nothing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import distinct, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from app.rwa.compliance.rules import BookView, Party, Rules
from app.rwa.domain import AssetStatus
from app.rwa.errors import InvalidInput, InvalidUnits
from app.rwa.models import Asset, ComplianceRules, Holding, Identity, Wallet
from app.rwa.onchain.mode import refuse_tokenized_id
from app.rwa.repo import addr, asset_by_symbol, begin_write, wallets_by_address


def rules_of(row: ComplianceRules | None) -> Rules:
    if row is None:
        return Rules()
    return Rules(
        allowed_countries=None if row.allowed_countries is None else frozenset(row.allowed_countries),
        denied_countries=frozenset(row.denied_countries or ()),
        allowed_categories=None if row.allowed_categories is None else frozenset(row.allowed_categories),
        max_holders=row.max_holders,
        max_balance=row.max_balance,
        min_transfer=row.min_transfer,
        lockup_until=row.lockup_until,
    )


def check_units(units: object) -> int:
    if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
        raise InvalidUnits(units)
    return units


def ensure_holdings(session: Session, asset_id: int, wallets: Iterable[Wallet]) -> None:
    """Create the missing (asset, wallet) holding rows; never blocks on an existing row."""
    todo = {w.id: w for w in wallets}
    if len(todo) > 1:  # a batch: most rows exist, and a long VALUES list is costly to build
        have = session.scalars(
            select(Holding.wallet_id).where(Holding.asset_id == asset_id, Holding.wallet_id.in_(todo))
        )
        for wallet_id in have:
            todo.pop(wallet_id, None)
    if not todo:
        return
    values = [
        {
            "asset_id": asset_id,
            "wallet_id": w.id,
            "identity_id": w.identity_id,
            "balance": 0,
            "frozen_units": 0,
        }
        | {"frozen": False}
        for w in sorted(todo.values(), key=lambda w: w.id)
    ]
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    session.execute(
        insert(Holding).values(values).on_conflict_do_nothing(index_elements=["asset_id", "wallet_id"])
    )


def ensure_holding(session: Session, asset_id: int, wallet: Wallet) -> None:
    ensure_holdings(session, asset_id, [wallet])


def lock_holdings(session: Session, asset_id: int, wallet_ids: list[int]) -> dict[int, Holding]:
    refuse_tokenized_id(session, asset_id)
    stmt = (
        select(Holding)
        .where(Holding.asset_id == asset_id, Holding.wallet_id.in_(wallet_ids))
        .order_by(Holding.wallet_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {h.wallet_id: h for h in session.scalars(stmt)}


def holder_count(session: Session, asset_id: int) -> int:
    stmt = select(func.count(distinct(Holding.identity_id))).where(
        Holding.asset_id == asset_id, Holding.balance > 0
    )
    return int(session.scalar(stmt) or 0)


@dataclass
class Book:
    """The holdings of some wallets of one asset, as the rules see them (and, when locked, as they will be
    written: `rows` are the ORM rows, changed in place)."""

    asset: Asset
    rules: Rules
    wallets: dict[str, Wallet]
    rows: dict[int, Holding]  # wallet id -> holding; a wallet without a row holds nothing
    holders: int | None  # distinct identities holding > 0 (loaded only when max_holders is set)
    by_identity: dict[int, int] | None = field(default=None)  # identity -> balance (when a cap needs it)
    changed: set[int] = field(default_factory=set)  # wallet ids whose row `apply` changed

    def party(self, wallet: Wallet) -> Party:
        i, row = wallet.identity, self.rows.get(wallet.id)
        return Party(
            wallet_id=wallet.id,
            identity_id=i.id,
            revoked=wallet.revoked_at is not None,
            kyc_status=i.kyc_status,
            kyc_expires_at=i.kyc_expires_at,
            country=i.country,
            category=i.category,
            balance=row.balance if row else 0,
            frozen_units=row.frozen_units if row else 0,
            frozen=row.frozen if row else False,
            identity_balance=None if self.by_identity is None else self.by_identity.get(i.id, 0),
        )

    def view(self, sender: str | None, receiver: str, units: int, now: datetime) -> BookView:
        return BookView(
            status=AssetStatus(self.asset.status),
            rules=self.rules,
            sender=self.party(self.wallets[sender]) if sender is not None else None,
            receiver=self.party(self.wallets[receiver]),
            units=units,
            now=now,
            holder_count=self.holders,
        )

    def apply(self, sender: str | None, receiver: str | None, units: int) -> None:
        """Move `units` in the book (sender None: issue; receiver None: redeem), keeping the aggregates."""
        for address, delta in ((sender, -units), (receiver, units)):
            if address is None:
                continue
            w = self.wallets[address]
            row = self.rows[w.id]
            before = self.by_identity.get(w.identity_id, 0) if self.by_identity is not None else None
            row.balance += delta
            self.changed.add(w.id)
            if self.by_identity is not None and before is not None:
                self.by_identity[w.identity_id] = before + delta
                if self.holders is not None and (before == 0) != (before + delta == 0):
                    self.holders += 1 if before == 0 else -1


def open_book(
    session: Session,
    symbol: str,
    addresses: Iterable[str],
    *,
    receivers: Iterable[str] = (),
    lock: bool,
    supply: bool = False,
    wallets: dict[str, Wallet] | None = None,
    asset: Asset | None = None,
) -> Book:
    """Load (and with `lock`, lock) the book of `addresses` for asset `symbol`; `receivers` get rows.
    `wallets` and `asset`, when given, are these addresses' wallets (with their identities) and the
    asset, already loaded in this transaction."""
    asset = asset if asset is not None else asset_by_symbol(session, symbol)
    wallets = wallets if wallets is not None else wallets_by_address(session, addresses)
    rules = rules_of(asset.rules)
    if lock:
        refuse_tokenized_id(session, asset.id)  # its token is its book: holders transfer on-chain
        begin_write(session)
        ensure_holdings(session, asset.id, [wallets[a] for a in receivers])
        if supply or rules.max_holders is not None:
            asset = asset_by_symbol(session, symbol, lock=True)
            rules = rules_of(asset.rules)
        if rules.max_balance is not None:
            ids = sorted({wallets[a].identity_id for a in receivers})
            session.execute(
                select(Identity.id).where(Identity.id.in_(ids)).order_by(Identity.id).with_for_update()
            )
    aggregates = rules.max_holders is not None or rules.max_balance is not None
    cond: ColumnElement[bool] = Holding.wallet_id.in_([w.id for w in wallets.values()])
    if aggregates:
        cond = or_(cond, Holding.identity_id.in_({w.identity_id for w in wallets.values()}))
    stmt = select(Holding).where(Holding.asset_id == asset.id, cond).order_by(Holding.wallet_id)
    stmt = stmt.execution_options(populate_existing=True)
    rows = list(session.scalars(stmt.with_for_update() if lock else stmt))
    by_identity: dict[int, int] | None = None
    if aggregates:
        by_identity = defaultdict(int)
        for h in rows:
            by_identity[h.identity_id] += h.balance
    holders = holder_count(session, asset.id) if rules.max_holders is not None else None
    return Book(asset, rules, wallets, {h.wallet_id: h for h in rows}, holders, by_identity)


def movement_addresses(sender: str | None, receiver: str, units: int) -> tuple[str | None, str]:
    """Validate one movement's parties and units; returns the addresses in stored form."""
    check_units(units)
    s, r = (addr(sender) if sender is not None else None), addr(receiver)
    if s is not None and s == r:
        raise InvalidInput("sender and receiver are the same wallet")
    return s, r


@dataclass(slots=True)
class Loaded:
    book: Book
    view: BookView
    sender: str | None
    receiver: str

    @property
    def asset(self) -> Asset:
        return self.book.asset

    def wallet(self, address: str | None) -> Wallet | None:
        return None if address is None else self.book.wallets[address]

    def row(self, address: str | None) -> Holding | None:
        w = self.wallet(address)
        return None if w is None else self.book.rows.get(w.id)


def load(
    session: Session,
    symbol: str,
    *,
    sender: str | None,
    receiver: str,
    units: int,
    now: datetime,
    lock: bool,
) -> Loaded:
    """The book and the rules' view of it for one movement of `units` (sender None: an issue)."""
    s, r = movement_addresses(sender, receiver, units)
    addresses = [a for a in (s, r) if a is not None]
    book = open_book(session, symbol, addresses, receivers=[r], lock=lock, supply=s is None)
    return Loaded(book, book.view(s, r, units, now), s, r)
