"""Many transfers settled in one transaction: `transfer_batch` (all or nothing, one audit entry) and
`transfer_each` (each transfer accepted or refused on its own, as group commit needs), and their bulk writes.

Both check every transfer against one locked book, in order, exactly as if it ran alone after the ones
before it, and only then write: one UPDATE per changed holding and one INSERT of every movement, each as
one executemany. A refused transfer is never applied to the book, so it writes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table
from sqlalchemy.orm import Session

from app.rwa import bulk
from app.rwa.audit import log as audit
from app.rwa.compliance import rules as compliance
from app.rwa.compliance.rules import restricted
from app.rwa.domain import MovementKind, Restriction
from app.rwa.errors import AssetNotFound, BatchRefused, InvalidInput, RwaError, WalletNotFound
from app.rwa.ledger.book import Book, movement_addresses, open_book
from app.rwa.ledger.movements import MovementView
from app.rwa.models import Asset, Holding, Movement, Wallet
from app.rwa.onchain.errors import AssetTokenized
from app.rwa.onchain.mode import tokenized_id
from app.rwa.registry.access import Permission, Principal, check_holder
from app.rwa.repo import asset_by_symbol, utcnow, wallets_found


@dataclass(frozen=True, slots=True)
class TransferRequest:
    """One transfer as a caller asks for it (addresses in any case; `settle` validates them).

    With `principal`, the transfer is also authorized as the REST route would (the permission on the
    asset, an investor's own wallet), on the rows the transfer loads anyway."""

    actor: str
    symbol: str
    sender: str
    receiver: str
    units: int
    principal: Principal | None = None


@dataclass(frozen=True, slots=True)
class Move:
    """A transfer accepted by the rules and applied to its book, waiting to be written."""

    sender: str
    receiver: str
    units: int
    actor: str


def write_moves(session: Session, book: Book, moves: Sequence[Move], now: datetime) -> list[MovementView]:
    """Write the holdings `book` changed and one movement row per move; returns them in order.

    Two statements whatever the number of moves (`bulk`), not the unit of work: at hundreds of rows per
    transaction the ORM's bookkeeping cost more than the database did."""
    asset_id = book.asset.id
    balances = [
        {"asset_id": asset_id, "wallet_id": w, "balance": book.rows[w].balance} for w in sorted(book.changed)
    ]
    for h in book.rows.values():  # written here, not again by the unit of work
        session.expunge(h)
    bulk.update_rows(session, _HOLDINGS, ["asset_id", "wallet_id"], balances)
    ids = bulk.reserve_ids(session, _MOVEMENTS.c.id, len(moves))
    wallet_id = {a: w.id for a, w in book.wallets.items()}
    kind = MovementKind.TRANSFER.value
    rows = [
        {"id": i, "asset_id": asset_id, "kind": kind, "from_wallet_id": wallet_id[m.sender]}
        | {"to_wallet_id": wallet_id[m.receiver], "units": m.units, "frozen_units_moved": 0}
        | {"actor": m.actor, "created_at": now}
        for i, m in zip(ids, moves, strict=True)
    ]
    bulk.insert_rows(session, _MOVEMENTS, rows)
    symbol = book.asset.symbol
    return [
        MovementView(i, symbol, kind, m.sender, m.receiver, m.units, 0, None, None, m.actor, now)
        for i, m in zip(ids, moves, strict=True)
    ]


MAX_BATCH = 1000


@dataclass(frozen=True, slots=True)
class TransferOrder:
    sender: str
    receiver: str
    units: int


def transfer_batch(
    session: Session,
    *,
    actor: str,
    symbol: str,
    orders: Sequence[TransferOrder],
    now: datetime | None = None,
) -> list[MovementView]:
    """Settle transfers all or nothing, in order, in the caller's transaction.

    Each transfer is checked by the same rules on the same book as if it ran alone after the ones
    before it; the first refusal refuses the batch (BatchRefused names its index and restriction). One
    audit entry records the whole settlement, listing every movement."""
    now = now or utcnow()
    if not 1 <= len(orders) <= MAX_BATCH:
        raise InvalidInput(f"a batch holds 1 to {MAX_BATCH} transfers")
    pairs = [movement_addresses(o.sender, o.receiver, o.units) for o in orders]
    book = open_book(
        session, symbol, {a for p in pairs for a in p if a}, receivers=[r for _, r in pairs], lock=True
    )
    for index, ((s, r), o) in enumerate(zip(pairs, orders, strict=True)):
        verdict = compliance.check(book.view(s, r, o.units, now))
        if verdict is not Restriction.SUCCESS:
            raise BatchRefused(index, restricted(verdict))
        book.apply(s, r, o.units)
    moves = [Move(s, r, o.units, actor) for (s, r), o in zip(pairs, orders, strict=True) if s]
    views = write_moves(session, book, moves, now)
    audit.record(
        session,
        actor=actor,
        action="ledger.transfer_batch",
        subject=f"asset:{book.asset.symbol}",
        payload={
            "count": len(views),
            "columns": ["movement", "from", "to", "units"],
            "transfers": [[v.id, v.sender, v.receiver, str(v.units)] for v in views],
        },
    )
    return views


_HOLDINGS: Table = Holding.__table__
_MOVEMENTS: Table = Movement.__table__


def transfer_each(
    session: Session, requests: Sequence[TransferRequest], now: datetime | None = None
) -> list[MovementView | RwaError]:
    """Settle independent transfers in the caller's transaction (flushed, never committed).

    Each outcome is what `transfers.transfer` alone would have given at this point of the sequence: its
    movement, or the error that refused it (an ERC-1404 restriction, an unknown asset or wallet, bad
    units). Each accepted transfer writes its movement row and its own audit entry, the same entry
    `transfers.transfer` writes; a refused one writes nothing. Assets are locked in symbol order, and the
    audit log last, so concurrent writers always lock in one order."""
    now = now or utcnow()
    outcomes: list[MovementView | RwaError | None] = [None] * len(requests)
    by_symbol: dict[str, list[tuple[int, str, str]]] = {}
    for i, r in enumerate(requests):
        try:
            s, dst = movement_addresses(r.sender, r.receiver, r.units)
        except RwaError as exc:
            outcomes[i] = exc
            continue
        assert s is not None
        by_symbol.setdefault(r.symbol, []).append((i, s, dst))
    entries: list[audit.Entry] = []
    for symbol in sorted(by_symbol):
        entries += _settle_asset(session, symbol, by_symbol[symbol], requests, outcomes, now)
    audit.record_many(session, entries)
    return [o for o in outcomes if o is not None]


def _settle_asset(
    session: Session,
    symbol: str,
    todo: list[tuple[int, str, str]],
    requests: Sequence[TransferRequest],
    outcomes: list[MovementView | RwaError | None],
    now: datetime,
) -> list[audit.Entry]:
    wallets = wallets_found(session, {a for _, s, r in todo for a in (s, r)})
    try:
        asset = asset_by_symbol(session, symbol)
    except AssetNotFound:  # raised before anything is locked or written
        for i, _, _ in todo:
            outcomes[i] = AssetNotFound(symbol)  # one error object per caller: each raises its own
        return []
    known = []
    for i, s, r in todo:
        try:
            _authorize(requests[i].principal, asset, s, wallets.get(s))
            for missing in sorted({s, r} - wallets.keys())[:1]:
                raise WalletNotFound(missing)
        except RwaError as exc:
            outcomes[i] = exc
        else:
            known.append((i, s, r))
    if not known:
        return []
    if tokenized_id(session, asset.id):  # its token is its book: each caller told to transfer on-chain
        for i, _, _ in known:
            outcomes[i] = AssetTokenized(asset.symbol, "transfer its units")
        return []
    book = open_book(
        session,
        symbol,
        {a for _, s, r in known for a in (s, r)},
        receivers=[r for _, _, r in known],
        lock=True,
        wallets=wallets,
        asset=asset,
    )
    accepted, moves = [], []
    for i, s, r in known:
        units = requests[i].units
        verdict = compliance.check(book.view(s, r, units, now))
        if verdict is not Restriction.SUCCESS:
            outcomes[i] = restricted(verdict)
            continue
        book.apply(s, r, units)
        accepted.append(i)
        moves.append(Move(s, r, units, requests[i].actor))
    issued = str(book.asset.issued_units)
    entries = []
    for i, v in zip(accepted, write_moves(session, book, moves, now), strict=True):
        outcomes[i] = v
        payload = {"movement": v.id, "from": v.sender, "to": v.receiver, "units": str(v.units)}
        entries.append(
            audit.Entry(v.actor, "ledger.transfer", f"asset:{symbol}", payload | {"issued_units": issued})
        )
    return entries


def _authorize(who: Principal | None, asset: Asset, sender: str, wallet: Wallet | None) -> None:
    """The route's checks, in its order: the permission on the asset, then the key's own wallet (a plain
    transfer moves only the holder's units)."""
    if who is not None:
        who.require(Permission.TRANSFER, asset)
        check_holder(who, sender, wallet.identity_id if wallet is not None else None)
