"""The journal of what indexing blocks changed in the registry, and the rewind that undoes it.

Before an event changes a registry row, the row's previous values are journaled with the block's number (in
the block's own transaction). A rewind to block ``kept`` restores, newest first, every row journaled by a
later block, deletes the movements they wrote and the wallets a recovery created, and takes the assets
tokenized after ``kept`` out of on-chain mode: the registry stands as it did at ``kept``. The audit trail
keeps its entries (append-only); the rewind's own entry lists what this hook undid."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.orm import Session

from app.rwa.models import Asset, Holding, Movement, Wallet
from app.rwa.onchain.models import OnchainAsset, OnchainChange


class Journal:
    """Journals the rows one transaction's events change (in the block's session)."""

    def __init__(self, session: Session, block_number: int, tx_hash: bytes) -> None:
        self.session = session
        self.block_number = block_number
        self.tx_hash = tx_hash

    def _add(self, asset_id: int, kind: str, **values: Any) -> None:
        self.session.add(
            OnchainChange(
                block_number=self.block_number, tx_hash=self.tx_hash, asset_id=asset_id, kind=kind, **values
            )
        )

    def holding(self, h: Holding) -> None:
        before = {"balance": str(h.balance), "frozen_units": str(h.frozen_units), "frozen": h.frozen}
        self._add(h.asset_id, "holding", wallet_id=h.wallet_id, before=before)

    def asset(self, a: Asset) -> None:
        self._add(a.id, "asset", before={"status": a.status, "issued_units": str(a.issued_units)})

    def wallet(self, asset_id: int, w: Wallet, *, created: bool) -> None:
        revoked = None if w.revoked_at is None else w.revoked_at.isoformat()
        self._add(asset_id, "wallet", wallet_id=w.id, before={"created": created, "revoked_at": revoked})

    def movement(self, asset_id: int, movement_id: int) -> None:
        self._add(asset_id, "movement", movement_id=movement_id)


def rewind(conn: Connection, kept: int) -> Mapping[str, Any] | None:
    """A ``Chain.rewind_hooks`` entry: the registry's on-chain rows as they stood at block ``kept``."""
    changes = conn.execute(
        select(OnchainChange).where(OnchainChange.block_number > kept).order_by(OnchainChange.id.desc())
    ).all()
    gone_assets = (
        conn.execute(select(OnchainAsset.asset_id).where(OnchainAsset.block_number > kept)).scalars().all()
    )
    if not changes and not gone_assets:
        return None
    movements: list[int] = []
    created: list[int] = []
    for c in changes:
        before = c.before or {}
        if c.kind == "holding":
            conn.execute(
                update(Holding)
                .where(Holding.asset_id == c.asset_id, Holding.wallet_id == c.wallet_id)
                .values(
                    balance=int(before["balance"]),
                    frozen_units=int(before["frozen_units"]),
                    frozen=bool(before["frozen"]),
                )
            )
        elif c.kind == "asset":
            conn.execute(
                update(Asset)
                .where(Asset.id == c.asset_id)
                .values(status=before["status"], issued_units=int(before["issued_units"]))
            )
        elif c.kind == "wallet":
            if before.get("created"):
                created.append(c.wallet_id)
            else:
                revoked = before.get("revoked_at")
                conn.execute(
                    update(Wallet)
                    .where(Wallet.id == c.wallet_id)
                    .values(revoked_at=None if revoked is None else datetime.fromisoformat(revoked))
                )
        elif c.kind == "movement" and c.movement_id is not None:
            movements.append(c.movement_id)
    conn.execute(delete(OnchainChange).where(OnchainChange.block_number > kept))
    if movements:
        conn.execute(delete(Movement).where(Movement.id.in_(movements)))
    if created:
        conn.execute(delete(Holding).where(Holding.wallet_id.in_(created)))
        conn.execute(delete(Wallet).where(Wallet.id.in_(created)))
    conn.execute(delete(OnchainAsset).where(OnchainAsset.block_number > kept))
    return {
        "onchain_assets_untokenized": sorted(gone_assets),
        "onchain_changes_undone": len(changes),
        "onchain_movements_removed": sorted(movements),
    }
