"""The registry follows its tokenized assets' tokens: a block hook (``add_block_hook``) that indexes each
token's events into the registry's rows in the block's own database transaction (so a holding never
differs from ``balanceOf`` at a committed block, whoever sent the transaction: a holder over JSON-RPC or
the operator for an agent action), with a movement row and an audit entry for every movement.

  Transfer            issue (from 0: mint), redeem (to 0: burn), transfer, forced transfer (the token's
                      ``forcedTransfer``), recovery (in the transaction of a ``RecoverySuccess``)
  TokensFrozen / TokensUnfrozen   frozen units;  AddressFrozen   the wallet's freeze for the asset
  Paused / Unpaused   the asset's status (paused / active)
  RecoverySuccess     the new wallet joins the lost wallet's identity (created if unknown), the lost wallet
                      is revoked

An event the registry cannot follow (a wallet it does not know) raises: the block is rolled back and the
sender told why, so the two books never part."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import rlp
from eth_utils.crypto import keccak
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from app.evm.storage.records import BlockRecord, LogRecord, TxRecord
from app.rwa.audit import log as audit
from app.rwa.domain import AssetStatus, MovementKind
from app.rwa.ledger.book import ensure_holding
from app.rwa.ledger.movements import record_movement
from app.rwa.models import Asset, Holding, Wallet
from app.rwa.onchain.errors import IndexingRefused
from app.rwa.onchain.journal import Journal
from app.rwa.onchain.mode import tokens_by_address


def _topic(signature: str) -> bytes:
    return bytes(keccak(text=signature))


TRANSFER = _topic("Transfer(address,address,uint256)")
FROZEN = _topic("TokensFrozen(address,uint256)")
UNFROZEN = _topic("TokensUnfrozen(address,uint256)")
ADDRESS_FROZEN = _topic("AddressFrozen(address,bool,address)")
PAUSED = _topic("Paused(address)")
UNPAUSED = _topic("Unpaused(address)")
RECOVERY = _topic("RecoverySuccess(address,address,address)")
FOLLOWED = {TRANSFER, FROZEN, UNFROZEN, ADDRESS_FROZEN, PAUSED, UNPAUSED, RECOVERY}
FORCED_SELECTORS = {
    bytes(keccak(text="forcedTransfer(address,address,uint256)"))[:4],
    bytes(keccak(text="batchForcedTransfer(address[],address[],uint256[])"))[:4],
}
ZERO = "0x" + "00" * 20


def index_block(conn: Connection, block: BlockRecord, txs: Sequence[TxRecord]) -> None:
    """The block hook: index every followed event of a tokenized asset's token."""
    if not any(t.status and t.logs for t in txs):
        return
    tokens = tokens_by_address(conn)
    if not tokens:
        return
    todo = [
        (t, [lg for lg in t.logs if bytes(lg.address) in tokens and lg.topics and lg.topics[0] in FOLLOWED])
        for t in txs
        if t.status
    ]
    todo = [(t, logs) for t, logs in todo if logs]
    if not todo:
        return
    with Session(bind=conn) as session:
        for tx, logs in todo:
            _TxIndexer(session, tx, tokens).run(logs)
        session.flush()


def _address(topic: bytes) -> str:
    return "0x" + topic[-20:].hex()


def _uint(data: bytes) -> int:
    return int.from_bytes(data[:32], "big")


def tx_input(raw: bytes) -> bytes:
    """The call data of a raw transaction (legacy or typed, EIP-2718)."""
    if raw and raw[0] >= 0xC0:
        return bytes(rlp.decode(raw)[5])
    fields = rlp.decode(raw[1:])
    return bytes(fields[6] if raw[0] == 1 else fields[7])


class _TxIndexer:
    def __init__(self, session: Session, tx: TxRecord, tokens: dict[bytes, int]) -> None:
        self.session = session
        self.tx = tx
        self.tokens = tokens
        self.journal = Journal(session, tx.block_number, tx.hash)
        self.actor = "chain:0x" + tx.sender.hex()
        self.hash = "0x" + tx.hash.hex()
        self.assets: dict[int, Asset] = {}
        self.wallets: dict[str, Wallet] = {}

    def run(self, logs: Sequence[LogRecord]) -> None:
        recovering = any(lg.topics[0] == RECOVERY for lg in logs)
        forced = False
        if not recovering:
            try:
                forced = tx_input(self.tx.raw)[:4] in FORCED_SELECTORS
            except (rlp.DecodingError, IndexError):  # not a transaction we can read: a plain transfer
                forced = False
        for lg in logs:  # a recovery's new wallet first: its Transfer precedes RecoverySuccess
            if lg.topics[0] == RECOVERY:
                self._recovery(lg)
        for lg in logs:
            asset = self._asset(self.tokens[bytes(lg.address)])
            when = datetime.fromtimestamp(lg.block_timestamp, UTC)
            topic = lg.topics[0]
            if topic == TRANSFER:
                kind = MovementKind.RECOVERY if recovering else MovementKind.FORCED if forced else None
                self._transfer(
                    asset, _address(lg.topics[1]), _address(lg.topics[2]), _uint(lg.data), kind, when
                )
            elif topic in (FROZEN, UNFROZEN):
                self._freeze_units(asset, _address(lg.topics[1]), _uint(lg.data), topic == FROZEN)
            elif topic == ADDRESS_FROZEN:
                self._freeze_wallet(asset, _address(lg.topics[1]), bool(_uint(lg.topics[2])))
            elif topic in (PAUSED, UNPAUSED):
                self._pause(asset, topic == PAUSED)

    # -- rows ---------------------------------------------------------------------------------------------
    def _asset(self, asset_id: int) -> Asset:
        if asset_id not in self.assets:
            stmt = select(Asset).where(Asset.id == asset_id).with_for_update(of=Asset)
            self.assets[asset_id] = self.session.scalars(stmt).one()
        return self.assets[asset_id]

    def _wallet(self, address: str) -> Wallet:
        if address not in self.wallets:
            w = self.session.scalars(select(Wallet).where(Wallet.address == address)).one_or_none()
            if w is None:
                raise IndexingRefused(
                    f"wallet {address} is not in the registry: the registry cannot follow it"
                )
            self.wallets[address] = w
        return self.wallets[address]

    def _holding(self, asset: Asset, wallet: Wallet) -> Holding:
        ensure_holding(self.session, asset.id, wallet)
        stmt = (
            select(Holding)
            .where(Holding.asset_id == asset.id, Holding.wallet_id == wallet.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        h = self.session.scalars(stmt).one()
        self.journal.holding(h)
        return h

    def _audit(self, asset: Asset, action: str, payload: Mapping[str, object]) -> None:
        body = {**payload, "tx_hash": self.hash, "block_number": self.tx.block_number}
        audit.record(
            self.session, actor=self.actor, action=action, subject=f"asset:{asset.symbol}", payload=body
        )

    # -- events ---------------------------------------------------------------------------------------------
    def _transfer(
        self, asset: Asset, src: str, dst: str, units: int, kind: MovementKind | None, when: datetime
    ) -> None:
        if units == 0:
            return
        sender = None if src == ZERO else self._wallet(src)
        receiver = None if dst == ZERO else self._wallet(dst)
        if sender is None or receiver is None:
            self.journal.asset(asset)
        if sender is not None:
            h = self._holding(asset, sender)
            h.balance -= units
        else:
            asset.issued_units += units
            kind = MovementKind.ISSUE
        if receiver is not None:
            h = self._holding(asset, receiver)
            h.balance += units
        else:
            asset.issued_units -= units
            kind = MovementKind.REDEEM
        self.session.flush()
        view = record_movement(
            self.session,
            asset,
            kind or MovementKind.TRANSFER,
            self.actor,
            when,
            units,
            sender,
            receiver,
            extra={"tx_hash": self.hash, "block_number": self.tx.block_number},
        )
        self.journal.movement(asset.id, view.id)

    def _freeze_units(self, asset: Asset, address: str, units: int, frozen: bool) -> None:
        h = self._holding(asset, self._wallet(address))
        before = str(h.frozen_units)
        h.frozen_units += units if frozen else -units
        self.session.flush()
        action = "ledger.freeze" if frozen else "ledger.unfreeze"
        payload = {"wallet": address, "units": str(units), "before": before, "after": str(h.frozen_units)}
        self._audit(asset, action, payload)

    def _freeze_wallet(self, asset: Asset, address: str, frozen: bool) -> None:
        h = self._holding(asset, self._wallet(address))
        before = h.frozen
        h.frozen = frozen
        self.session.flush()
        action = "ledger.freeze" if frozen else "ledger.unfreeze"
        self._audit(asset, action, {"wallet": address, "units": None, "before": before, "after": frozen})

    def _pause(self, asset: Asset, paused: bool) -> None:
        wanted = AssetStatus.PAUSED if paused else AssetStatus.ACTIVE
        if asset.status == wanted:
            return
        self.journal.asset(asset)
        before, asset.status = asset.status, wanted.value
        self.session.flush()
        self._audit(asset, "asset.status", {"before": before, "after": wanted.value})

    def _recovery(self, lg: LogRecord) -> None:
        asset = self._asset(self.tokens[bytes(lg.address)])
        lost = self._wallet(_address(lg.topics[1]))
        new_address = _address(lg.topics[2])
        new = self.session.scalars(select(Wallet).where(Wallet.address == new_address)).one_or_none()
        if new is None:
            now = datetime.fromtimestamp(lg.block_timestamp, UTC)
            new = Wallet(address=new_address, identity_id=lost.identity_id, created_at=now)
            self.session.add(new)
            self.session.flush()
            self.journal.wallet(asset.id, new, created=True)
        elif new.identity_id != lost.identity_id:
            raise IndexingRefused(f"recovery to {new_address}, a wallet of another identity in the registry")
        self.wallets[new_address] = new
        if lost.revoked_at is None:
            self.journal.wallet(asset.id, lost, created=False)
            lost.revoked_at = datetime.fromtimestamp(lg.block_timestamp, UTC)
        self.session.flush()
