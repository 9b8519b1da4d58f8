"""A registry identity's KYC and wallets kept on-chain: called after the registry commits a KYC change, a
new identity or a new wallet (the registry's identity hook), it adds or replaces the identity's KYC claim
on its ONCHAINID while the registry's KYC is verified and unexpired, removes it otherwise (from the next
block on no token counts its wallets as verified), and registers its wallets, with its country, in every
tokenized asset's identity registry. Nothing is done for an identity that has no ONCHAINID and cannot get
one, nor while no asset is tokenized."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event, select
from sqlalchemy.orm import Session, selectinload

from app.rwa.models import Identity
from app.rwa.onchain.mode import Tokenized, all_tokenized
from app.rwa.onchain.service import OnchainService
from app.rwa.tokenization import identities
from app.rwa.tokenization.identities import KycSubject


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
        return "revoked"
    assert subject is not None
    address = identities.ensure_identity(op, platform, subject)
    _register(svc, assets, live, address, country)
    return "claim"


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
