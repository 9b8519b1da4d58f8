"""The corrective operation for each difference the checker reports, for an operator to review and apply:
printed, never applied (the checker holds no key and writes no registry row).

Which side is corrected follows which one is the book of record. For a tokenized asset the chain is, for
what the token holds (balances, frozen amounts and addresses, pause, supply): the registry is corrected to
the token's value (a SQL statement on the registry's tables; the registry's indexer would have written the
same). The registry is the book of record of identities (KYC and country are decided there and pushed to
the chain): the chain is corrected by an agent transaction of the operator's key, shown as the ``cast send``
that makes it (the KYC claim, which the operator's key must sign, by its tokenization call)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from app.evm.abc import ChainAPI
from app.evm.contracts import abi as abimod
from app.rwa.models import Holding, Identity, Wallet
from app.rwa.onchain.consistency.check import Difference, Reader, Report
from app.rwa.onchain.mode import Tokenized
from app.rwa.tokenization import artifacts
from app.rwa.tokenization.identities import onchain_identity

_COLUMNS = {"balance": "balance", "frozen_units": "frozen_units", "address_frozen": "frozen"}


@dataclass(frozen=True, slots=True)
class Operation:
    """One corrective step: ``target`` "registry" (``command`` is SQL) or "chain" (``command`` is the
    transaction to sign, or the tokenization call that makes it); ``note`` says why."""

    difference: Difference
    target: str
    command: str
    note: str

    def view(self) -> dict[str, Any]:
        return {
            "difference": self.difference.view(),
            "target": self.target,
            "command": self.command,
            "note": self.note,
        }

    def text(self) -> str:
        return f"# {self.difference.line()}\n# {self.note}\n{self.command}"


def operations(chain: ChainAPI, conn: Connection, report: Report) -> list[Operation]:
    """The operations that would remove each of ``report``'s differences, in its order (the chain read at
    the report's block)."""
    targets = {t.symbol: t for t in report.targets}
    reader = Reader(chain, chain.header(report.block_number))
    return [_operation(conn, reader, targets[d.asset], d, report.block_number) for d in report.differences]


def _operation(conn: Connection, reader: Reader, t: Tokenized, d: Difference, block: int) -> Operation:
    at = f"the token's value at block {block}: the chain is the book of record of what it holds"
    if d.field == "total_supply":
        sql = f"UPDATE rwa_asset SET issued_units = {d.chain} WHERE id = {t.asset_id};"
        return Operation(d, "registry", sql, at)
    if d.field == "paused":
        status = "paused" if d.chain else "active"
        return Operation(
            d, "registry", f"UPDATE rwa_asset SET status = '{status}' WHERE id = {t.asset_id};", at
        )
    if d.field in _COLUMNS:
        return _holding(conn, t, d, at)
    if d.field == "country":
        return _chain(d, t.identity_registry, "IdentityRegistry", "updateCountry", [d.wallet, d.registry])
    return _verified(conn, reader, t, d)


def _holding(conn: Connection, t: Tokenized, d: Difference, note: str) -> Operation:
    assert d.wallet is not None
    value = _sql(d.chain)
    wallet = conn.execute(select(Wallet.id, Wallet.identity_id).where(Wallet.address == d.wallet)).first()
    if wallet is None:
        msg = "the registry knows no such wallet: onboard it to its owner's identity, then check again"
        return Operation(d, "registry", f"-- wallet {d.wallet} unknown to the registry", msg)
    exists = conn.execute(
        select(Holding.balance).where(Holding.asset_id == t.asset_id, Holding.wallet_id == wallet.id)
    ).first()
    column = _COLUMNS[d.field]
    if exists is not None:
        sql = (
            f"UPDATE rwa_holding SET {column} = {value} "
            f"WHERE asset_id = {t.asset_id} AND wallet_id = {wallet.id};"
        )
    else:
        row = {"balance": "0", "frozen_units": "0", "frozen": "false"} | {column: value}
        sql = (
            "INSERT INTO rwa_holding (asset_id, wallet_id, identity_id, balance, frozen_units, frozen) "
            f"VALUES ({t.asset_id}, {wallet.id}, {wallet.identity_id}, {row['balance']}, "
            f"{row['frozen_units']}, {row['frozen']});"
        )
    return Operation(d, "registry", sql, note)


def _verified(conn: Connection, reader: Reader, t: Tokenized, d: Difference) -> Operation:
    """Registry verified, chain not: register the wallet, or restore the identity's KYC claim. Chain
    verified, registry not: remove the wallet (revoked or unknown) or the identity's KYC claim."""
    assert d.wallet is not None
    ir = t.identity_registry
    oid = None if d.identity_id is None else onchain_identity(conn, d.identity_id)
    revoked = d.identity_id is None or (
        conn.execute(select(Wallet.revoked_at).where(Wallet.address == d.wallet)).scalar() is not None
    )
    if d.registry:
        if oid is None:
            return Operation(d, "chain", f"-- identity {d.identity_id} has no ONCHAINID", _DEPLOY_NOTE)
        country = conn.execute(select(Identity.country).where(Identity.id == d.identity_id)).scalar_one()
        if not reader.call(ir, "IdentityRegistry", "contains", [d.wallet]):
            return _chain(d, ir, "IdentityRegistry", "registerIdentity", [d.wallet, oid, country])
        note = "the identity's KYC is valid in the registry: its ONCHAINID needs the platform's KYC claim"
        return Operation(d, "chain", f"identities.add_kyc_claim(identity={oid})", note)
    if revoked or oid is None:
        return _chain(d, ir, "IdentityRegistry", "deleteIdentity", [d.wallet])
    note = "the identity's KYC is not valid in the registry: remove the platform's KYC claim"
    return Operation(d, "chain", f"identities.revoke_kyc_claim(identity={oid})", note)


def _chain(d: Difference, contract: str, name: str, function: str, args: Sequence[Any]) -> Operation:
    entry = abimod.find_function(artifacts.abi(name), function, list(args)).entry
    shown = " ".join(str(a) for a in args)
    cast = f'cast send {contract} "{abimod.signature(entry)}" {shown} --private-key "$OPERATOR_KEY"'
    note = f"the registry is the book of record of identities: {name}.{function} by the operator (agent)"
    return Operation(d, "chain", cast, note)


def _sql(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_DEPLOY_NOTE = "deploy its ONCHAINID first (identities.ensure_identity), then check again"
