"""Continuous consistency checks: for every asset in on-chain mode, the registry's record against its
T-REX token at one committed block. Compared: each wallet's holding with ``balanceOf``, its frozen amount with
``getFrozenTokens``, its freeze with ``isFrozen``, whether the registry counts it verified (identity KYC
verified and unexpired, wallet not revoked) with the identity registry's ``isVerified``, and its
identity's country with ``investorCountry``; per asset, the issued units with ``totalSupply`` and the
asset being stopped (any status but active) with ``paused``.

The wallets compared are the registry's holders of the asset, every wallet the token ever sent units to
(its ``Transfer`` logs) and every wallet its identity registry registered (``IdentityRegistered``): a
wallet the registry does not know counts as holding nothing and unverified there.

The registry's side and the block are read under the chain's lock (the registry follows the chain in
each block's own database transaction, so nothing moves between the two reads); the token is then read
with calls at that block. Read-only: the checker needs no key and writes nothing but the alerts it is
asked to raise (``raise_alerts``, in the caller's transaction)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eth_utils.crypto import keccak
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from app.evm.abc import ChainAPI, LogQuery
from app.evm.contracts import abi as abimod
from app.evm.errors import InvalidParams
from app.rwa.alerts.service import raise_alert
from app.rwa.errors import InvalidInput
from app.rwa.models import Asset, Holding, Identity, Wallet
from app.rwa.onchain.mode import Tokenized, all_tokenized
from app.rwa.tokenization import artifacts
from app.rwa.tokenization.errors import ChainTxReverted

Value = int | bool | None
ALERT_KIND = "consistency.difference"
TRANSFER = keccak(text="Transfer(address,address,uint256)")
IDENTITY_REGISTERED = keccak(text="IdentityRegistered(address,address)")
# the fields compared, in report order
FIELDS = ("total_supply", "paused", "balance", "frozen_units", "address_frozen", "verified", "country")
AMOUNTS = frozenset({"total_supply", "balance", "frozen_units"})  # shown as decimal strings in JSON


@dataclass(frozen=True, slots=True)
class Difference:
    """One value on which the registry and the chain disagree (``wallet`` None: the asset's own)."""

    asset: str
    wallet: str | None
    field: str
    registry: Value
    chain: Value
    identity_id: int | None = None  # the registry identity of ``wallet`` (None: unknown to the registry)

    def view(self) -> dict[str, Any]:
        """As JSON: amounts as decimal strings (they pass 2^53)."""
        return {
            "asset": self.asset,
            "wallet": self.wallet,
            "field": self.field,
            "registry": _json(self.field, self.registry),
            "chain": _json(self.field, self.chain),
            "identity": self.identity_id,
        }

    def line(self) -> str:
        where = self.asset if self.wallet is None else f"{self.asset} {self.wallet}"
        return f"{where} {self.field}: registry {_text(self.registry)}, chain {_text(self.chain)}"


@dataclass(frozen=True, slots=True)
class Report:
    block_number: int
    targets: tuple[Tokenized, ...]
    differences: tuple[Difference, ...]

    @property
    def assets(self) -> tuple[str, ...]:
        return tuple(t.symbol for t in self.targets)

    def view(self) -> dict[str, Any]:
        return {
            "block_number": self.block_number,
            "assets": {
                t.symbol: {"token": t.token, "identity_registry": t.identity_registry} for t in self.targets
            },
            "differences": [d.view() for d in self.differences],
        }


@dataclass(frozen=True, slots=True)
class _Held:
    """The registry's side of one wallet."""

    identity_id: int | None
    country: int | None
    verified: bool
    balance: int
    frozen_units: int
    frozen: bool


UNKNOWN = _Held(None, None, False, 0, 0, False)


def tokenized_assets(conn: Connection) -> list[Tokenized]:
    """The assets in on-chain mode, by symbol."""
    with Session(bind=conn) as session:
        return sorted(all_tokenized(session), key=lambda t: t.symbol)


def check(chain: ChainAPI, symbols: Sequence[str] | None = None) -> Report:
    """Compare every tokenized asset (or those of ``symbols``) at the chain's head."""
    with chain.lock, chain.engine.connect() as conn:
        header = chain.head
        block = header.block_number
        targets = tokenized_assets(conn)
        if symbols is not None:
            unknown = sorted(set(symbols) - {t.symbol for t in targets})
            if unknown:
                raise InvalidInput(f"not tokenized: {', '.join(unknown)}")
            targets = [t for t in targets if t.symbol in set(symbols)]
        sides = [(t, *_registry_side(chain, conn, t, block)) for t in targets]
    reader = Reader(chain, header)
    found: list[Difference] = []
    for target, issued, stopped, held in sides:
        found += _compare(reader, target, issued, stopped, held)
    return Report(block, tuple(targets), tuple(found))


def raise_alerts(session: Session, differences: Iterable[Difference]) -> int:
    """One alert per difference (with its audit entry and webhook deliveries), in the caller's
    transaction; returns how many."""
    count = 0
    for d in differences:
        subject = f"asset:{d.asset}" if d.wallet is None else f"wallet:{d.wallet}"
        raise_alert(
            session, kind=ALERT_KIND, subject=subject, severity="critical", payload=d.view(), asset=d.asset
        )
        count += 1
    return count


def _registry_side(
    chain: ChainAPI, conn: Connection, t: Tokenized, block: int
) -> tuple[int, bool, dict[str, _Held]]:
    issued, status = conn.execute(
        select(Asset.issued_units, Asset.status).where(Asset.id == t.asset_id)
    ).one()
    holders = (
        _wallets()
        .add_columns(Holding.balance, Holding.frozen_units, Holding.frozen)
        .join(Holding, Holding.wallet_id == Wallet.id)
        .where(Holding.asset_id == t.asset_id)
    )
    rows = conn.execute(holders)
    held = {r.address: _held(r, r.balance, r.frozen_units, r.frozen) for r in rows}
    on_chain = _chain_wallets(chain, t, block) - held.keys()
    if on_chain:
        for r in conn.execute(_wallets().where(Wallet.address.in_(sorted(on_chain)))):
            held[r.address] = _held(r, 0, 0, False)
        held.update(dict.fromkeys(on_chain - held.keys(), UNKNOWN))
    return int(issued), status != "active", held


def _wallets() -> Any:
    return select(
        Wallet.address,
        Wallet.identity_id,
        Wallet.revoked_at,
        Identity.country,
        Identity.kyc_status,
        Identity.kyc_expires_at,
    ).join(Identity, Identity.id == Wallet.identity_id)


def _held(r: Any, balance: int, frozen_units: int, frozen: bool) -> _Held:
    expires = r.kyc_expires_at
    if expires is not None and expires.tzinfo is None:  # SQLite hands back naive UTC
        expires = expires.replace(tzinfo=UTC)
    verified = (
        r.revoked_at is None
        and r.kyc_status == "verified"
        and (expires is None or expires > datetime.now(UTC))
    )
    return _Held(r.identity_id, r.country, verified, int(balance), int(frozen_units), bool(frozen))


def _chain_wallets(chain: ChainAPI, t: Tokenized, block: int) -> set[str]:
    received = _logs(chain, LogQuery(0, block, (_b(t.token),), ((TRANSFER,),)))
    registered = _logs(chain, LogQuery(0, block, (_b(t.identity_registry),), ((IDENTITY_REGISTERED,),)))
    wallets = {"0x" + lg.topics[2][12:].hex() for lg in received}
    wallets |= {"0x" + lg.topics[1][12:].hex() for lg in registered}
    wallets.discard("0x" + "00" * 20)
    return wallets


def _compare(
    reader: Reader, t: Tokenized, issued: int, stopped: bool, held: dict[str, _Held]
) -> list[Difference]:
    found = []
    supply = int(reader.call(t.token, "Token", "totalSupply"))
    if supply != issued:
        found.append(Difference(t.symbol, None, "total_supply", issued, supply))
    paused = bool(reader.call(t.token, "Token", "paused"))
    if paused != stopped:
        found.append(Difference(t.symbol, None, "paused", stopped, paused))
    for wallet in sorted(held):
        h = held[wallet]
        registered = bool(reader.call(t.identity_registry, "IdentityRegistry", "contains", [wallet]))
        country = (
            int(reader.call(t.identity_registry, "IdentityRegistry", "investorCountry", [wallet]))
            if registered
            else None
        )
        pairs: list[tuple[str, Value, Value]] = [
            ("balance", h.balance, int(reader.call(t.token, "Token", "balanceOf", [wallet]))),
            ("frozen_units", h.frozen_units, int(reader.call(t.token, "Token", "getFrozenTokens", [wallet]))),
            ("address_frozen", h.frozen, bool(reader.call(t.token, "Token", "isFrozen", [wallet]))),
            (
                "verified",
                h.verified,
                bool(reader.call(t.identity_registry, "IdentityRegistry", "isVerified", [wallet])),
            ),
        ]
        if registered and h.country is not None:
            pairs.append(("country", h.country, country))
        found += [
            Difference(t.symbol, wallet, f, ours, theirs, h.identity_id)
            for f, ours, theirs in pairs
            if ours != theirs
        ]
    return found


class Reader:
    """Read-only calls at one block."""

    def __init__(self, chain: ChainAPI, header: Any) -> None:
        self.chain = chain
        self.header = header

    def call(self, to: str, contract: str, function: str, args: Sequence[Any] = ()) -> Any:
        abi = artifacts.abi(contract)
        fn = abimod.find_function(abi, function, list(args))
        out = self.chain.call({"to": _b(to), "data": fn.encode_call(list(args))}, self.header)
        if not out.success:
            raise ChainTxReverted(function, abimod.decode_revert(abi, out.output))
        values = fn.decode_result(out.output)
        return values[0] if len(values) == 1 else values


def _logs(chain: ChainAPI, q: LogQuery) -> list[Any]:
    """``chain.logs`` over any number of logs: a range with too many for one answer is split in two."""
    try:
        return chain.logs(q)
    except InvalidParams:
        if q.from_block >= q.to_block:
            raise
        mid = (q.from_block + q.to_block) // 2
        low = LogQuery(q.from_block, mid, q.addresses, q.topics)
        return _logs(chain, low) + _logs(chain, LogQuery(mid + 1, q.to_block, q.addresses, q.topics))


def _json(field: str, value: Value) -> Any:
    return str(value) if field in AMOUNTS and value is not None else value


def _text(value: Value) -> str:
    return "none" if value is None else str(value).lower()


def _b(address: str) -> bytes:
    return bytes.fromhex(address[2:])
