"""A registry identity's KYC and wallets kept on-chain: called after the registry commits a KYC change, a
new identity or a new wallet (the registry's identity hook), it adds or replaces the identity's KYC claim
on its ONCHAINID while the registry's KYC is verified and unexpired, removes it otherwise (from the next
block on no token counts its wallets as verified), and registers its wallets, with its country, in every
tokenized asset's identity registry. Nothing is done for an identity that has no ONCHAINID and cannot get
one, nor while no asset is tokenized."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import and_, event, or_, select
from sqlalchemy.orm import Session, selectinload

from app.rwa.domain import KycStatus
from app.rwa.models import Identity
from app.rwa.onchain.mode import Tokenized, all_tokenized
from app.rwa.onchain.service import OnchainService
from app.rwa.tokenization import identities
from app.rwa.tokenization.identities import KycSubject
from app.rwa.tokenization.models import OnchainIdentity

log = logging.getLogger(__name__)


def sync_identity(svc: OnchainService, identity_id: int) -> str | None:
    """Bring ``identity_id``'s ONCHAINID, claim and wallet registrations in line with the registry; returns
    what it did ("claim", "revoked", or None)."""
    with Session(svc.engine) as session:
        ident = session.scalars(
            select(Identity).options(selectinload(Identity.wallets)).where(Identity.id == identity_id)
        ).one_or_none()
        if ident is None:
            return None
        assets = all_tokenized(session)
        with svc.engine.connect() as conn:
            onchain = identities.onchain_identity(conn, identity_id)
        live = [w.address for w in ident.wallets if w.revoked_at is None]
        subject = KycSubject.of(ident) if live else None
        country = ident.country
    if onchain is None and not assets:
        return None
    valid = subject is not None and subject.kyc_valid()
    if onchain is None and not valid:
        return None
    platform = svc.platform(deploy=False)
    if platform is None:
        return None
    op = svc.operator()
    if not valid:
        assert onchain is not None
        identities.revoke_kyc_claim(op, platform, onchain, identity_id=identity_id)
        _update_countries(svc, assets, live, onchain, country)
        return "revoked"
    assert subject is not None
    address = identities.ensure_identity(op, platform, subject)
    _register(svc, assets, live, address, country)
    return "claim"


def expire_claims(svc: OnchainService, now: datetime | None = None) -> list[int]:
    """Remove the KYC claim of every identity with an ONCHAINID whose registry KYC is no longer verified
    or has expired by ``now`` (the chain enforces expiry by the claim's absence); returns their ids."""
    now = now or datetime.now(UTC)
    with Session(svc.engine) as session:
        rows = session.execute(
            select(Identity.id, OnchainIdentity.address)
            .join(OnchainIdentity, OnchainIdentity.identity_id == Identity.id)
            .where(
                or_(
                    Identity.kyc_status != KycStatus.VERIFIED,
                    and_(Identity.kyc_expires_at.is_not(None), Identity.kyc_expires_at <= now),
                )
            )
            .order_by(Identity.id)
        ).all()
    platform = svc.platform(deploy=False)
    if not rows or platform is None:
        return []
    op = svc.operator()
    done = []
    for identity_id, address in rows:
        if identities.revoke_kyc_claim(op, platform, "0x" + bytes(address).hex(), identity_id=identity_id):
            done.append(identity_id)
    return done


class ExpiryWatch:
    """``expire_claims`` every ``interval_s`` on a thread of its own (the server runs it)."""

    def __init__(self, svc: OnchainService, interval_s: float) -> None:
        self.svc = svc
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kyc-expiry", daemon=True)

    def start(self) -> ExpiryWatch:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                expire_claims(self.svc)
            except Exception:  # logged; the next round tries again
                log.exception("removing expired KYC claims failed")


def session_hook(svc: OnchainService) -> Callable[[Session, int], None]:
    """The registry's identity hook (``registry.identities.IDENTITY_HOOKS``): once the session commits the
    change, ``sync_identity`` brings the chain in line in the same request (its error is the request's)."""

    def hook(session: Session, identity_id: int) -> None:
        def after(_: Session) -> None:
            sync_identity(svc, identity_id)

        event.listen(session, "after_commit", after, once=True)

    return hook


def _register(
    svc: OnchainService, assets: list[Tokenized], wallets: list[str], oid: str, country: int
) -> None:
    op = svc.operator()
    for t in assets:
        for wallet in wallets:
            identities.register_wallet(op, t.identity_registry, wallet, oid, country)


def _update_countries(
    svc: OnchainService, assets: list[Tokenized], wallets: list[str], oid: str, country: int
) -> None:
    """Wallets already registered keep the registry's country while their identity has no valid KYC (no
    new registration for such an identity: it could not be verified anyway)."""
    op = svc.operator()
    for t in assets:
        for wallet in wallets:
            if identities.is_registered(op, t.identity_registry, wallet):
                identities.register_wallet(op, t.identity_registry, wallet, oid, country)
